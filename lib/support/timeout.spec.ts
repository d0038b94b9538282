import { describe, expect, it } from '@jest/globals';
import { createServer, connect, type Socket } from 'node:net';
import { callWithin, SseTimeoutError, withTimeout } from './timeout.js';

/** A loopback connection: what `send` writes, `received` resolves with, through real I/O. */
async function loopback(): Promise<{ send(text: string): void; received: Promise<string>; close(): void }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
  const client = connect((server.address() as { port: number }).port, '127.0.0.1');
  const peer = await accepted;
  const received = new Promise<string>((resolve) => peer.once('data', (data) => resolve(data.toString())));
  return {
    send: (text) => client.write(text),
    received,
    close: () => {
      client.destroy();
      peer.destroy();
      server.close();
    },
  };
}

function busyFor(milliseconds: number): void {
  const until = Date.now() + milliseconds;
  while (Date.now() < until);
}

describe('callWithin', () => {
  it('passes a synchronous answer on as it is', () => {
    expect(callWithin(() => 42, 10, 'sync')).toBe(42);
  });

  it('gives the call its deadline and a signal that is still open', async () => {
    const before = Date.now();
    const options = await callWithin(async (given) => given, 1000, 'call');
    expect(options.deadline).toBeGreaterThanOrEqual(before + 1000);
    expect(options.deadline).toBeLessThanOrEqual(Date.now() + 1000);
    expect(options.signal.aborted).toBe(false);
  });

  it('rejects at the deadline and aborts the signal with the same error', async () => {
    let signal!: AbortSignal;
    const call = callWithin(
      (given) => {
        signal = given.signal;
        return new Promise(() => undefined);
      },
      20,
      'The log',
    );
    await expect(call).rejects.toThrow(new SseTimeoutError('The log', 20));
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBeInstanceOf(SseTimeoutError);
  });

  it('gives a signal that is already aborted when the call first looks at it after the deadline', async () => {
    let given!: { signal: AbortSignal };
    const call = callWithin(
      (options) => {
        given = options;
        return new Promise(() => undefined);
      },
      20,
      'The log',
    );
    await expect(call).rejects.toThrow(SseTimeoutError);
    expect(given.signal.aborted).toBe(true);
  });

  it('lets an answer that arrived while this process was busy win over its timeout', async () => {
    const connection = await loopback();
    try {
      const answer = withTimeout(connection.received, 50, 'The peer');
      connection.send('on time');
      // The answer reaches the socket within a millisecond, but is only read after the timer is due.
      busyFor(120);
      await expect(answer).resolves.toBe('on time');
    } finally {
      connection.close();
    }
  });

  it('does not count the time this process was busy against the call', async () => {
    const answer = withTimeout(new Promise((resolve) => setTimeout(() => resolve('answered'), 100)), 60, 'The peer');
    setTimeout(() => busyFor(80), 0);
    await expect(answer).resolves.toBe('answered');
  });

  it('fails on time in a process with nothing else to do, and within five timeouts in a busy one', async () => {
    const idle = Date.now();
    await expect(withTimeout(new Promise(() => undefined), 50, 'Quiet')).rejects.toThrow(SseTimeoutError);
    expect(Date.now() - idle).toBeLessThan(120);

    const busy = Date.now();
    const never = withTimeout(new Promise(() => undefined), 50, 'Busy');
    const keepBusy = setInterval(() => busyFor(30), 0);
    await expect(never).rejects.toThrow(SseTimeoutError);
    clearInterval(keepBusy);
    expect(Date.now() - busy).toBeGreaterThanOrEqual(100);
    expect(Date.now() - busy).toBeLessThan(50 * 5 + 150);
  });
});
