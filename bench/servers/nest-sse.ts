import 'reflect-metadata';
import { Controller, Get, HttpCode, type MessageEvent, Module, Req, Sse } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { IncomingMessage } from 'node:http';
import { type Observable, Subject } from 'rxjs';
import { PORT, readBurst, ready, runBurst, statsBody } from './shared.js';

/** NestJS's built-in @Sse() with one shared Subject. */
@Controller()
class StreamController {
  private readonly events = new Subject<MessageEvent>();

  @Sse('sse')
  stream(): Observable<MessageEvent> {
    return this.events.asObservable();
  }

  @Get('burst')
  @HttpCode(202)
  burst(@Req() req: IncomingMessage): void {
    const burst = readBurst(req.url);
    runBurst(burst, () => this.events.next({ data: burst.payload }));
  }

  @Get('stats')
  stats(): string {
    return statsBody();
  }
}

@Module({ controllers: [StreamController] })
class BenchModule {}

const app = await NestFactory.create(BenchModule, { logger: false });
await app.listen(PORT, '127.0.0.1');
ready(Number(new URL(await app.getUrl()).port));
