import { describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { InMemoryEventLog } from '../event-log/in-memory-event-log.js';
import type { SseEventLog } from '../event-log/event-log.interface.js';
import { Metrics } from '../support/metrics.js';
import { OutageLog } from '../support/outage-log.js';
import { EventEncoder } from './event-encoder.js';

const everyone = { kind: 'all' } as const;

function encoder(log: SseEventLog | null, metrics = new Metrics()) {
  const logger = new Logger('test');
  return new EventEncoder(log, new OutageLog(logger, 'the log', 'Nothing is logged meanwhile.'), 200, metrics);
}

describe('EventEncoder', () => {
  it('encodes without a log, and counts the event once', async () => {
    const metrics = new Metrics();
    expect(await encoder(null, metrics).encode({ type: 't', data: { a: 1 } }, everyone)).toEqual({
      frame: Buffer.from('event: t\ndata: {"a":1}\n\n'),
    });
    expect(metrics.snapshot(0, { store: 0, eventLog: 0, backplane: 0 }).events).toBe(1);
  });

  it('logs an event with an audience, giving it the log’s id, or keeping the caller’s', async () => {
    const log = new InMemoryEventLog();
    const given = await encoder(log).encode('hello', everyone);
    expect(given.id).toMatch(/^[0-9a-z]+-1$/);
    expect(given.frame.toString()).toBe(`id: ${given.id}\ndata: hello\n\n`);
    expect((await encoder(log).encode({ id: 42, data: 'mine' }, everyone)).id).toBe('42');
    expect(log.since(given.id!)?.map(({ id, body }) => [id, body])).toEqual([['42', 'data: mine\n\n']]);
  });

  it('does not log an event without an audience (a filtered send) or without data (a comment)', async () => {
    const log = new InMemoryEventLog();
    await encoder(log).encode('filtered', undefined);
    await encoder(log).encode({ comment: 'just a comment' }, everyone);
    expect(log.size).toBe(0);
  });

  it('sends the event without a logged id when the log fails, and notes the outage once', async () => {
    const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const failing: SseEventLog = { append: async () => Promise.reject(new Error('down')), since: () => undefined };
    const encode = encoder(failing);
    expect(await encode.encode('first', everyone)).toEqual({ frame: Buffer.from('data: first\n\n') });
    expect(await encode.encode({ id: 'kept', data: 'second' }, everyone)).toMatchObject({ id: 'kept', deliveredByLog: false });
    expect(errors).toHaveBeenCalledTimes(1);
    errors.mockRestore();
  });

  it('refuses an id that cannot be written before anything is logged', () => {
    const log = new InMemoryEventLog();
    expect(() => encoder(log).encode({ id: 'a\nb', data: 'x' }, everyone)).toThrow(TypeError);
    expect(log.size).toBe(0);
  });

  it('marks events that a log which delivers (follow) will deliver itself', async () => {
    const following: SseEventLog = { append: () => '1-1', since: () => undefined, follow: async () => undefined };
    expect(await encoder(following).encode('x', everyone)).toMatchObject({ id: '1-1', deliveredByLog: true });
  });
});
