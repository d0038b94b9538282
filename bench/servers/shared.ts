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

/** `/stats`: resident memory after a full GC (servers run with --expose-gc). */
export function statsBody(): string {
  globalThis.gc?.();
  globalThis.gc?.();
  return JSON.stringify({ rss: process.memoryUsage().rss });
}

export function answer(res: ServerResponse, status: number, body = ''): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(body);
}

export function ready(port: number): void {
  process.stdout.write(`ready ${port}\n`);
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;
