import { describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { SseBackplane } from '../backplane/backplane.interface.js';
import { InMemoryEventLog } from '../event-log/in-memory-event-log.js';
import { InMemoryNoReconnectStore } from '../no-reconnect/in-memory-no-reconnect.store.js';
import type { NoReconnectStore } from '../no-reconnect/no-reconnect-store.interface.js';
import { OutageLog } from '../support/outage-log.js';
import { HealthCheck } from './health-check.js';

const quiet = { error: () => undefined, log: () => undefined } as unknown as Logger;
const outages = () => ({
  store: new OutageLog(quiet, 'store', ''),
  eventLog: new OutageLog(quiet, 'log', ''),
  backplane: new OutageLog(quiet, 'bp', ''),
});
const backplane = (ping?: SseBackplane['ping']): SseBackplane => ({ subscribe: async () => {}, publish: async () => 1, ping });

describe('HealthCheck', () => {
  it('is up when every dependency in use answers, and names only those in use', async () => {
    const health = new HealthCheck({ store: new InMemoryNoReconnectStore(), log: null, backplane: null }, outages(), 100);
    await expect(health.check()).resolves.toEqual({ status: 'up', store: { status: 'up' } });
  });

  it('asks the store now, and is down with the reason when it fails; the outage is noted', async () => {
    const failing: NoReconnectStore = Object.assign(new InMemoryNoReconnectStore(), {
      containsClientId: () => Promise.reject(new Error('ECONNREFUSED')),
    });
    const noted = outages();
    const health = new HealthCheck({ store: failing, log: null, backplane: null }, noted, 100);
    await expect(health.check()).resolves.toEqual({ status: 'down', store: { status: 'down', error: 'ECONNREFUSED' } });
    expect(noted.store.outages).toBe(1);
  });

  it('gives a dependency that hangs the store timeout, no more', async () => {
    const hanging = backplane(() => new Promise(() => undefined));
    const health = new HealthCheck({ store: new InMemoryNoReconnectStore(), log: null, backplane: hanging }, outages(), 50);
    const result = await health.check();
    expect(result.status).toBe('down');
    expect(result.backplane).toEqual({ status: 'down', error: expect.stringContaining('50 ms') });
  });

  it('reports the outage state of a log or backplane without ping, as of its last call', async () => {
    const noted = outages();
    const health = new HealthCheck(
      { store: new InMemoryNoReconnectStore(), log: new InMemoryEventLog(), backplane: backplane() },
      noted,
      100,
    );
    expect((await health.check()).status).toBe('up');
    noted.backplane.failed(new Error('connection reset'));
    await expect(health.check()).resolves.toEqual({
      status: 'down',
      store: { status: 'up' },
      eventLog: { status: 'up' },
      backplane: { status: 'down', error: 'connection reset' },
    });
    noted.backplane.recovered();
    expect((await health.check()).status).toBe('up');
  });
});
