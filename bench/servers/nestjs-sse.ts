import 'reflect-metadata';
import { Controller, Get, HttpCode, Module, Req, Res } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SseModule, SseService } from 'nestjs-sse';
import { PORT, readBurst, ready, runBurst, statsBody } from './shared.js';

/** This module in a Nest 12 app on Express. */
@Controller()
class StreamController {
  constructor(private readonly sse: SseService) {}

  @Get('sse')
  stream(@Req() req: IncomingMessage, @Res() res: ServerResponse): Promise<void> {
    return this.sse.connect(req, res);
  }

  @Get('burst')
  @HttpCode(202)
  burst(@Req() req: IncomingMessage): void {
    const burst = readBurst(req.url);
    runBurst(burst, () => void this.sse.broadcast(burst.payload));
  }

  @Get('stats')
  stats(): string {
    return statsBody();
  }
}

@Module({ imports: [SseModule.forRoot({ keepalive: false })], controllers: [StreamController] })
class BenchModule {}

const app = await NestFactory.create(BenchModule, { logger: false });
await app.listen(PORT, '127.0.0.1');
ready(Number(new URL(await app.getUrl()).port));
