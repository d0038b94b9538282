import 'reflect-metadata';
import { Controller, Get, HttpCode, Inject, Module, Query, Req, Res } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Session } from 'node:inspector/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { PORT, ready } from './shared.js';

/**
 * This module with an event log, for the reconnect storm bench. SSE_LIB is the build to load (an
 * index.js; default this checkout's), so that one run can compare builds; SSE_LOG=memory|redis
 * picks the log, which counts its since() calls and remembers the last id it gave;
 * SSE_PLATFORM=express|fastify the platform.
 */
type Library = typeof import('nestjs-sse');
const lib = (await import(process.env.SSE_LIB ?? 'nestjs-sse')) as Library;
const logKind = process.env.SSE_LOG ?? 'memory';

interface Counting {
  reads: number;
  lastId: string;
}

/** The log, with what the bench reads of it. Works on any build, whose classes it extends. */
function countingLog(): Counting & InstanceType<Library['InMemoryEventLog']> {
  const Base = (logKind === 'redis' ? lib.RedisStreamEventLog : lib.InMemoryEventLog) as unknown as typeof lib.InMemoryEventLog;
  const options = {
    maxEvents: 100_000,
    url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    key: `nestjs-sse-bench:storm:${process.pid}:${Date.now()}`,
  };
  class CountingLog extends Base {
    reads = 0;
    lastId = '';
    override append(...args: Parameters<InstanceType<typeof Base>['append']>): string {
      const id = super.append(...args) as string | Promise<string>;
      if (typeof id === 'string') this.lastId = id;
      else void id.then((logged) => (this.lastId = logged));
      return id as string;
    }
    override since(...args: Parameters<InstanceType<typeof Base>['since']>) {
      this.reads++;
      return super.since(...args);
    }
  }
  return new CountingLog(options);
}

const log = countingLog();

/**
 * Peak RSS and event-loop delay from `/storm-start` to `/storm-stats`; with STORM_PROFILE=<file>,
 * a CPU profile of the same stretch.
 */
class StormProbe {
  private readonly loop = monitorEventLoopDelay({ resolution: 10 });
  private peakRss = 0;
  private sampler?: NodeJS.Timeout;
  private profiler?: Session;

  async start(): Promise<void> {
    if (process.env.STORM_PROFILE) {
      this.profiler = new Session();
      this.profiler.connect();
      await this.profiler.post('Profiler.enable');
      await this.profiler.post('Profiler.start');
    }
    log.reads = 0;
    this.peakRss = process.memoryUsage.rss();
    this.loop.reset();
    this.loop.enable();
    clearInterval(this.sampler);
    this.sampler = setInterval(() => (this.peakRss = Math.max(this.peakRss, process.memoryUsage.rss())), 20);
  }

  async stats(clients: number) {
    this.loop.disable();
    clearInterval(this.sampler);
    if (this.profiler) {
      const { profile } = await this.profiler.post('Profiler.stop');
      writeFileSync(process.env.STORM_PROFILE!, JSON.stringify(profile));
      this.profiler.disconnect();
      this.profiler = undefined;
    }
    const ms = (ns: number) => ns / 1e6;
    return {
      clients,
      reads: log.reads,
      peakRss: Math.max(this.peakRss, process.memoryUsage.rss()),
      loopP99: ms(this.loop.percentile(99)),
      loopMax: ms(this.loop.max),
    };
  }
}

@Controller()
class StormController {
  private readonly probe = new StormProbe();

  constructor(@Inject(lib.SseService) private readonly sse: InstanceType<Library['SseService']>) {}

  @Get('sse')
  stream(@Req() req: IncomingMessage, @Res() res: ServerResponse): Promise<void> {
    return this.sse.connect(req, res);
  }

  /** `/send?m=<events>&b=<bytes>`: broadcasts them one after the other; answers with the last id. */
  @Get('send')
  async send(@Query('m') events: string, @Query('b') bytes: string): Promise<{ lastId: string }> {
    const padding = 'x'.repeat(Number(bytes ?? 64));
    for (let n = 0; n < Number(events); n++) await this.sse.broadcast(`${n} ${padding}`);
    return { lastId: log.lastId };
  }

  @Get('count')
  count(): { clients: number } {
    return { clients: this.sse.getClients().length };
  }

  @Get('storm-start')
  @HttpCode(204)
  start(): Promise<void> {
    return this.probe.start();
  }

  @Get('storm-stats')
  stats() {
    return this.probe.stats(this.sse.getClients().length);
  }
}

@Module({
  imports: [lib.SseModule.forRoot({ keepalive: false, eventLog: log, drainWindow: 0 } as Parameters<Library['SseModule']['forRoot']>[0])],
  controllers: [StormController],
})
class StormModule {}

const app =
  process.env.SSE_PLATFORM === 'fastify'
    ? await NestFactory.create(StormModule, new FastifyAdapter(), { logger: false })
    : await NestFactory.create(StormModule, { logger: false });
await app.listen(PORT, '127.0.0.1');
ready(Number(new URL(await app.getUrl()).port));
