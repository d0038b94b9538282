import { Controller, Get } from '@nestjs/common';
import { delay } from './wait.js';

/** An ordinary route that takes a while: a request pipelined behind it waits its turn. */
@Controller()
export class SlowController {
  @Get('slow')
  async slow(): Promise<string> {
    await delay(300);
    return 'slow done';
  }
}
