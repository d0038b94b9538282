import { afterEach, describe, expect, it, jest } from '@jest/globals';
import type { SseLoggedEvent, SseMissedEvents } from '../event-log/event-log.interface.js';
import { SHARED_READ_IDLE, SharedReads } from './shared-reads.js';

const events: SseLoggedEvent[] = [{ id: '2', body: 'data: x\n', audience: { kind: 'all' } }];

describe('SharedReads', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('gives clients that resume from one id the same read, and another id a read of its own', () => {
    const reads = new SharedReads();
    const read = jest.fn((): SseMissedEvents => [...events]);
    const first = reads.get('1', read);
    expect(reads.get('1', read)).toBe(first);
    expect(reads.get('0', read)).not.toBe(first);
    expect(read).toHaveBeenCalledTimes(2);
  });

  it('shares a read still under way, its failure too', async () => {
    const reads = new SharedReads();
    let answer!: (missed: SseMissedEvents) => void;
    const read = jest.fn(() => new Promise<SseMissedEvents>((resolve) => (answer = resolve)));
    const [a, b] = [reads.get('1', read), reads.get('1', read)];
    answer(events);
    await expect(Promise.all([a, b])).resolves.toEqual([events, events]);
    expect(read).toHaveBeenCalledTimes(1);
    const failing = jest.fn(() => Promise.reject(new Error('log down')));
    await expect(Promise.all([reads.get('9', failing), reads.get('9', failing)])).rejects.toThrow('log down');
    expect(failing).toHaveBeenCalledTimes(1);
  });

  it('shares nothing read before an event was logged or delivered: a client after it reads again', () => {
    const reads = new SharedReads();
    const read = jest.fn((): SseMissedEvents => [...events]);
    const before = reads.get('1', read);
    reads.invalidate();
    expect(reads.get('1', read)).not.toBe(before);
    expect(read).toHaveBeenCalledTimes(2);
  });

  it('drops a read nobody asked for in a while, with one timer that stops when none is left', () => {
    jest.useFakeTimers();
    const reads = new SharedReads();
    const read = jest.fn((): SseMissedEvents => [...events]);
    reads.get('1', read);
    reads.get('2', read);
    expect(jest.getTimerCount()).toBe(1);
    jest.advanceTimersByTime(1.5 * SHARED_READ_IDLE);
    reads.get('2', read);
    // The sweep at 2 × SHARED_READ_IDLE drops '1', idle since the start, and keeps '2', asked for since.
    jest.advanceTimersByTime(0.6 * SHARED_READ_IDLE);
    reads.get('1', read);
    reads.get('2', read);
    expect(read).toHaveBeenCalledTimes(3);
    jest.advanceTimersByTime(3 * SHARED_READ_IDLE);
    expect(jest.getTimerCount()).toBe(0);
  });
});
