import { describe, expect, it } from '@jest/globals';
import { resolveOptions } from './resolved-options.js';

describe('resolveOptions', () => {
  it('fills in the defaults, with keepalives on', () => {
    const resolved = resolveOptions();
    expect(resolved).toEqual({
      retryFrame: undefined,
      noReconnectTtl: undefined,
      keepalive: { interval: 15_000, frame: Buffer.from(':\n\n') },
      storeTimeout: 1000,
      backplaneTimeout: 2000,
      maxBufferedBytes: 1024 * 1024,
      maxClients: undefined,
      maxClientsRetry: 10_000,
      shutdownFrame: undefined,
      resetFrame: undefined,
      drainWindow: 5000,
      maxConnectionAge: undefined,
    });
    expect(resolveOptions({ drainWindow: 0, maxConnectionAge: 3_600_000 })).toMatchObject({ drainWindow: 0, maxConnectionAge: 3_600_000 });
  });

  it('turns what is written into frames once, at startup', () => {
    const resolved = resolveOptions({
      reconnectInterval: 2500,
      keepalive: { interval: 1000, kind: 'event', content: 'ping' },
      shutdownEvent: { type: 'shutdown', data: 'bye' },
      resetEvent: { type: 'sse:reset', data: '' },
    });
    expect(resolved.resetFrame?.toString()).toBe('event: sse:reset\ndata: \n\n');
    expect(resolved.retryFrame?.toString()).toBe('retry: 2500\n\n');
    expect(resolved.keepalive?.frame.toString()).toBe('event: ping\ndata: \n\n');
    expect(resolved.shutdownFrame?.toString()).toBe('event: shutdown\ndata: bye\n\n');
    expect(resolveOptions({ keepalive: false }).keepalive).toBeUndefined();
  });

  it.each([
    [{ storeTimeout: 0 }, 'SseModule storeTimeout must be a whole number of milliseconds > 0; got 0.'],
    [{ maxClients: 1.5 }, 'SseModule maxClients must be a whole number > 0; got 1.5.'],
    [
      { keepalive: { interval: '15000' as unknown as number } },
      'SseModule keepalive.interval must be a whole number of milliseconds > 0; got 15000.',
    ],
    [{ keepalive: { kind: 'ping' as 'event' } }, `SseModule keepalive.kind must be 'comment' or 'event'; got "ping".`],
    [{ reconnectInterval: -1 }, 'SseModule reconnectInterval: SSE retry must be a whole number of milliseconds >= 0; got -1.'],
    [{ shutdownEvent: { type: 'a\nb', data: 'x' } }, /^SseModule shutdownEvent: /],
    [{ drainWindow: -1 }, 'SseModule drainWindow must be a whole number of milliseconds >= 0; got -1.'],
    [{ maxConnectionAge: 0 }, 'SseModule maxConnectionAge must be a whole number of milliseconds > 0; got 0.'],
  ])('names the option that is wrong: %j', (options, message) => {
    expect(() => resolveOptions(options)).toThrow(message);
  });
});
