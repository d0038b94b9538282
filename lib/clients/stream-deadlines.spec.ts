import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { DEADLINE_RESOLUTION, StreamDeadlines } from './stream-deadlines.js';

describe('StreamDeadlines', () => {
  afterEach(() => {
    jest.restoreAllMocks();
    jest.useRealTimers();
  });

  /** The streams ended so far, with the ms after the start at which each ended. */
  function recorder<T = string>() {
    const start = Date.now();
    const ended: [T, number][] = [];
    return { ended, onDue: (stream: T) => void ended.push([stream, Date.now() - start]) };
  }

  it('ends each stream within a tick of its own deadline, with one timer for all of them', () => {
    jest.useFakeTimers();
    const { ended, onDue } = recorder();
    const deadlines = new StreamDeadlines<string>(undefined, onDue);
    const now = Date.now();
    deadlines.track('b', now + 2000);
    deadlines.track('a', now + 1000);
    deadlines.track('never');
    expect(jest.getTimerCount()).toBe(1);
    expect(deadlines.size).toBe(2);
    jest.advanceTimersByTime(2000 + DEADLINE_RESOLUTION);
    expect(ended.map(([stream]) => stream)).toEqual(['a', 'b']);
    for (const [stream, at] of ended) {
      const due = stream === 'a' ? 1000 : 2000;
      expect(at).toBeGreaterThanOrEqual(due);
      expect(at).toBeLessThanOrEqual(due + DEADLINE_RESOLUTION);
    }
    // The last one gone, the timer stops.
    expect(jest.getTimerCount()).toBe(0);
  });

  it('jitters maxConnectionAge by ±10% and takes the sooner of it and expiresAt', () => {
    jest.useFakeTimers();
    const random = jest.spyOn(Math, 'random');
    const { ended, onDue } = recorder();
    const deadlines = new StreamDeadlines<string>(10_000, onDue);
    random.mockReturnValueOnce(0);
    deadlines.track('earliest age');
    random.mockReturnValueOnce(0.999);
    deadlines.track('latest age');
    random.mockReturnValueOnce(0.5);
    deadlines.track('credential', Date.now() + 3000);
    jest.advanceTimersByTime(11_000 + DEADLINE_RESOLUTION);
    expect(ended.map(([stream]) => stream)).toEqual(['credential', 'earliest age', 'latest age']);
    const [credential, earliest, latest] = ended.map(([, at]) => at);
    expect(credential).toBeLessThanOrEqual(3000 + DEADLINE_RESOLUTION);
    expect(earliest).toBeGreaterThanOrEqual(9000);
    expect(earliest).toBeLessThanOrEqual(9000 + DEADLINE_RESOLUTION);
    expect(latest).toBeGreaterThanOrEqual(10_990);
  });

  it('forgets a stream that ended first, and stops the timer with the last one', () => {
    jest.useFakeTimers();
    const { ended, onDue } = recorder();
    const deadlines = new StreamDeadlines<string>(1000, onDue);
    deadlines.track('left');
    deadlines.track('stays');
    deadlines.forget('left');
    deadlines.forget('unknown');
    expect(deadlines.size).toBe(1);
    deadlines.forget('stays');
    expect(deadlines.size).toBe(0);
    expect(jest.getTimerCount()).toBe(0);
    jest.advanceTimersByTime(2000);
    expect(ended).toEqual([]);
  });

  it('ends a stream whose deadline has passed on the next tick, and catches up on ticks the event loop missed', () => {
    jest.useFakeTimers();
    const { ended, onDue } = recorder();
    const deadlines = new StreamDeadlines<string>(undefined, onDue);
    deadlines.track('long', Date.now() + 500);
    deadlines.track('past', Date.now() - 60_000);
    jest.advanceTimersByTime(DEADLINE_RESOLUTION);
    expect(ended.map(([stream]) => stream)).toEqual(['past']);
    // The clock jumps past the deadline between two ticks (a blocked event loop): the next tick still ends it.
    jest.setSystemTime(Date.now() + 5000);
    jest.advanceTimersByTime(DEADLINE_RESOLUTION);
    expect(ended.map(([stream]) => stream)).toEqual(['past', 'long']);
  });

  it('keeps ten thousand streams on one timer, and their buckets go as they end', () => {
    jest.useFakeTimers();
    const { ended, onDue } = recorder<number>();
    const deadlines = new StreamDeadlines<number>(60_000, onDue);
    for (let n = 0; n < 10_000; n++) deadlines.track(n);
    expect(jest.getTimerCount()).toBe(1);
    jest.advanceTimersByTime(66_000 + DEADLINE_RESOLUTION);
    expect(ended).toHaveLength(10_000);
    expect(deadlines.size).toBe(0);
    expect(jest.getTimerCount()).toBe(0);
  });
});
