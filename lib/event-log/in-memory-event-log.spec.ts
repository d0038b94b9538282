import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { describeEventLogContract } from '../testing/index.js';
import { InMemoryEventLog } from './in-memory-event-log.js';

describeEventLogContract('InMemoryEventLog', async (options) => ({ log: new InMemoryEventLog(options) }), {
  describe,
  it,
  expect,
  beforeEach,
  afterEach,
});

describe('InMemoryEventLog', () => {
  const all = { kind: 'all' } as const;

  it('answers synchronously, so a replay on one instance costs no wait', () => {
    const log = new InMemoryEventLog();
    const id = log.append({ body: 'x', audience: all });
    expect(typeof id).toBe('string');
    expect(log.since(id)).toEqual([]);
  });

  it('assigns ids that differ from those of an earlier start', () => {
    const before = new InMemoryEventLog().append({ body: 'x', audience: all });
    const now = Date.now();
    while (Date.now() === now);
    expect(new InMemoryEventLog().append({ body: 'x', audience: all })).not.toBe(before);
  });

  it('resumes from the newest event when an id repeats, and survives the older copy being pushed out', () => {
    const log = new InMemoryEventLog({ maxEvents: 3 });
    for (const id of ['a', 'b', 'a', 'c']) log.append({ id, body: id, audience: all });
    expect(log.since('a')?.map((event) => event.id)).toEqual(['c']);
    log.append({ id: 'd', body: 'd', audience: all });
    expect(log.since('a')?.map((event) => event.id)).toEqual(['c', 'd']);
    expect(log.size).toBe(3);
  });

  it('refuses options that make no sense', () => {
    expect(() => new InMemoryEventLog({ maxEvents: 0 })).toThrow(/maxEvents must be a whole number > 0; got 0/);
    expect(() => new InMemoryEventLog({ maxAge: -5 })).toThrow(/maxAge must be a whole number of milliseconds > 0/);
  });
});
