import { afterEach, describe, expect, it, jest } from '@jest/globals';
import type { SseLoggedEvent } from './event-log.interface.js';
import { InMemoryEventLog } from './in-memory-event-log.js';

const logged = (id: string): SseLoggedEvent => ({ id, frame: `id: ${id}\ndata: x\n\n`, audience: { kind: 'all' } });
const ids = (events: readonly SseLoggedEvent[] | undefined) => events?.map((event) => event.id);

describe('InMemoryEventLog', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('assigns increasing ids that differ from another start', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const log = new InMemoryEventLog();
    const [a, b, c] = [log.nextId(), log.nextId(), log.nextId()];
    expect(new Set([a, b, c]).size).toBe(3);
    expect(a.endsWith('-1') && b.endsWith('-2') && c.endsWith('-3')).toBe(true);
    jest.setSystemTime(2_000_000);
    expect(new InMemoryEventLog().nextId()).not.toBe(a);
  });

  it('returns the events after a known id, oldest first', () => {
    const log = new InMemoryEventLog();
    ['1', '2', '3', '4'].forEach((id) => log.append(logged(id)));
    expect(ids(log.since('2'))).toEqual(['3', '4']);
    expect(ids(log.since('4'))).toEqual([]);
  });

  it('does not know an id it never held', () => {
    const log = new InMemoryEventLog();
    log.append(logged('1'));
    expect(log.since('nope')).toBeUndefined();
  });

  it('keeps only the last maxEvents, and forgets the ids it pushed out', () => {
    const log = new InMemoryEventLog({ maxEvents: 3 });
    ['1', '2', '3', '4', '5'].forEach((id) => log.append(logged(id)));
    expect(log.size).toBe(3);
    expect(log.since('1')).toBeUndefined();
    expect(log.since('2')).toBeUndefined();
    expect(ids(log.since('3'))).toEqual(['4', '5']);
  });

  it('resumes from the newest event when an id repeats, and survives the older copy being pushed out', () => {
    const log = new InMemoryEventLog({ maxEvents: 3 });
    ['a', 'b', 'a', 'c'].forEach((id) => log.append(logged(id)));
    expect(ids(log.since('a'))).toEqual(['c']);
    log.append(logged('d'));
    expect(ids(log.since('a'))).toEqual(['c', 'd']);
  });

  it('treats an id older than maxAge as unknown', () => {
    jest.useFakeTimers({ now: 0 });
    const log = new InMemoryEventLog({ maxAge: 1000 });
    log.append(logged('old'));
    jest.advanceTimersByTime(600);
    log.append(logged('new'));
    expect(ids(log.since('old'))).toEqual(['new']);
    jest.advanceTimersByTime(500);
    expect(log.since('old')).toBeUndefined();
    expect(ids(log.since('new'))).toEqual([]);
  });

  it('refuses options that make no sense', () => {
    expect(() => new InMemoryEventLog({ maxEvents: 0 })).toThrow(/maxEvents must be a whole number > 0; got 0/);
    expect(() => new InMemoryEventLog({ maxAge: -5 })).toThrow(/maxAge must be a whole number of milliseconds > 0/);
  });
});
