import { createHook } from 'node:async_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Every bench server listens on PORT and answers the same three routes. */
export const PORT = Number(process.env.PORT ?? 0);

export interface Burst {
  count: number;
  payload: string;
  /** Each event in its own macrotask, as a live source emits them, instead of one synchronous loop. */
  spread: boolean;
}

/** `/burst?m=<events>&b=<bytes>[&spread=1]`: the events to broadcast, all with the same payload. */
export function readBurst(url: string | undefined): Burst {
  const query = new URLSearchParams((url ?? '').split('?')[1] ?? '');
  return {
    count: Number(query.get('m') ?? 1),
    payload: 'x'.repeat(Number(query.get('b') ?? 64)),
    spread: query.get('spread') === '1',
  };
}

/** Calls `emit` once per event of the burst, synchronously or one macrotask at a time. */
export function runBurst({ count, spread }: Burst, emit: () => void): void {
  if (!spread) {
    for (let i = 0; i < count; i++) emit();
    return;
  }
  let left = count;
  const next = () => {
    emit();
    if (--left > 0) setImmediate(next);
  };
  if (left > 0) setImmediate(next);
}

export interface Stats {
  /** Resident memory after a full GC (servers run with --expose-gc). */
  rss: number;
  /** CPU time used so far, user + system, in microseconds. */
  cpuMicros: number;
  /** Live timers, unref'd ones included; only with BENCH_COUNT_TIMERS=1, which adds an async hook. */
  timers?: number;
}

const liveTimers = new Set<number>();
if (process.env.BENCH_COUNT_TIMERS === '1') {
  createHook({
    init: (id, type) => void (type === 'Timeout' && liveTimers.add(id)),
    destroy: (id) => void liveTimers.delete(id),
  }).enable();
}

/** `/stats`, as `Stats`. Without `collect`, no GC first, so a CPU window does not include one. */
export function statsBody(collect = true): string {
  if (collect) {
    globalThis.gc?.();
    globalThis.gc?.();
  }
  const cpu = process.cpuUsage();
  const stats: Stats = {
    rss: process.memoryUsage().rss,
    cpuMicros: cpu.user + cpu.system,
    timers: process.env.BENCH_COUNT_TIMERS === '1' ? liveTimers.size : undefined,
  };
  return JSON.stringify(stats);
}

export function answer(res: ServerResponse, status: number, body = ''): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(body);
}

export function ready(port: number): void {
  process.stdout.write(`ready ${port}\n`);
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;
