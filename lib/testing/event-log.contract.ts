import { type ContractTestApi, delay } from './contract-test-api.js';
import type { SseEventAudience, SseEventLog, SseEventToLog, SseMissedEvents } from '../event-log/event-log.interface.js';

export interface EventLogUnderTest {
  log: SseEventLog;
  dispose?: () => Promise<void>;
}

/** Makes a fresh, empty log. */
export type EventLogFactory = (options: { maxEvents?: number; maxAge?: number }) => Promise<EventLogUnderTest>;

const everyone: SseEventAudience = { kind: 'all' };
const toLog = (body: string, id?: string, audience: SseEventAudience = everyone): SseEventToLog => ({ id, body, audience });
const ids = (events: SseMissedEvents) => events?.map((event) => event.id);

/** What every SseEventLog must do. Each implementation runs this same suite. */
export function describeEventLogContract(name: string, create: EventLogFactory, test: ContractTestApi): void {
  const { describe, it, beforeEach, afterEach, expect } = test;
  describe(`${name} (SseEventLog contract)`, () => {
    const made: EventLogUnderTest[] = [];
    const fresh = async (options: { maxEvents?: number; maxAge?: number } = {}) => {
      const subject = await create(options);
      made.push(subject);
      return subject.log;
    };
    let log: SseEventLog;
    beforeEach(async () => {
      log = await fresh();
    });
    afterEach(async () => {
      await Promise.all(made.splice(0).map((subject) => subject.dispose?.()));
    });

    it('gives events sent without an id new, distinct ids, and keeps ids the caller gave', async () => {
      const given = await Promise.all([log.append(toLog('a\n')), log.append(toLog('b\n')), log.append(toLog('c\n', 'mine'))]);
      expect(new Set(given).size).toBe(3);
      expect(given[2]).toBe('mine');
      expect(given[0] === '').toBe(false);
    });

    it('returns the events after a known id, oldest first, with their bodies and audiences', async () => {
      const group: SseEventAudience = { kind: 'group', group: 'g' };
      const client: SseEventAudience = { kind: 'client', clientId: 'c1' };
      const first = await log.append(toLog('data: 1\n\n'));
      const second = await log.append(toLog('data: 2\n\n', undefined, group));
      await log.append(toLog('data: 3\n\n', 'caller-3', client));
      const missed = await log.since(first);
      expect(missed).toEqual([
        { id: second, body: 'data: 2\n\n', audience: group },
        { id: 'caller-3', body: 'data: 3\n\n', audience: client },
      ]);
      expect(await log.since('caller-3')).toEqual([]);
    });

    it('resumes from an id the caller gave', async () => {
      await log.append(toLog('x\n', 'k1'));
      const after = await log.append(toLog('y\n'));
      expect(ids(await log.since('k1'))).toEqual([after]);
    });

    it('does not know an id it never held', async () => {
      await log.append(toLog('x\n'));
      await expect(Promise.resolve(log.since('never-seen'))).resolves.toBeUndefined();
      await expect(Promise.resolve(log.since('1-0'))).resolves.toBeUndefined();
    });

    it('keeps only the last maxEvents and forgets the ones it pushed out', async () => {
      const small = await fresh({ maxEvents: 3 });
      const given: string[] = [];
      for (const body of ['1', '2', '3', '4', '5']) given.push(await small.append(toLog(body)));
      expect(await small.since(given[1]!)).toBeUndefined();
      expect(ids(await small.since(given[2]!))).toEqual(given.slice(3));
    });

    it('treats an id older than maxAge as unknown', async () => {
      const short = await fresh({ maxAge: 400 });
      const old = await short.append(toLog('old'));
      await delay(250);
      const recent = await short.append(toLog('new'));
      expect(ids(await short.since(old))).toEqual([recent]);
      await delay(250);
      expect(await short.since(old)).toBeUndefined();
      expect(ids(await short.since(recent))).toEqual([]);
    });
  });
}
