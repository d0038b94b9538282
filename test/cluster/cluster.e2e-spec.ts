import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { type BrowserLikeEventSource, openEventSource } from '../utils/browser-like-event-source.js';
import { delay, waitFor } from '../utils/wait.js';
import { PrivateRedis } from '../utils/private-redis.js';
import { Instance } from './cluster-harness.js';

// Three app instances in their own processes, one Redis: the no-reconnect store, the event log
// and the backplane all go through it. The last tests stop and restart that Redis.
describe('three instances behind one Redis', () => {
  let redis: PrivateRedis;
  let a: Instance;
  let b: Instance;
  let c: Instance;
  const sources: BrowserLikeEventSource[] = [];

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    const env = { REDIS_URL: redis.url, SSE_NAMESPACE: `cluster-${randomUUID()}` };
    [a, b, c] = await Promise.all(['A', 'B', 'C'].map((name) => Instance.start(name, env)));
  }, 60_000);

  afterAll(async () => {
    for (const source of sources) source.source.close();
    await Promise.all([a, b, c].map((instance) => instance?.stop()));
    await redis?.stop();
  });

  /** A browser whose requests go to `targets` in turn, as a load balancer might send them. */
  async function browser(...targets: Instance[]): Promise<BrowserLikeEventSource & { id: () => string }> {
    let next = 0;
    const source = openEventSource(() => `${targets[Math.min(next++, targets.length - 1)]!.url}/events`);
    sources.push(source);
    await source.opened;
    return Object.assign(source, { id: () => source.cookies.get('sse_client_id')! });
  }

  const data = (source: BrowserLikeEventSource) => source.messages.map((message) => message.data);

  it('delivers a broadcast from any instance to the clients of every instance, once each', async () => {
    const onEach = [await browser(a), await browser(b), await browser(c)];
    expect((await b.post('/broadcast?data=hello-all')).status).toBe(204);
    await waitFor(() => onEach.every((source) => data(source).includes('hello-all')));
    await delay(100);
    for (const source of onEach) expect(data(source).filter((d) => d === 'hello-all')).toHaveLength(1);
  });

  it('delivers a group send to the members on every instance and to nobody else', async () => {
    const [onA, onB, onC] = [await browser(a), await browser(b), await browser(c)];
    expect((await a.post(`/groups/team/members/${onA.id()}`)).body).toEqual({ joined: true });
    expect((await c.post(`/groups/team/members/${onC.id()}`)).body).toEqual({ joined: true });
    await b.post('/groups/team/send?data=team-only');
    await waitFor(() => data(onA).includes('team-only') && data(onC).includes('team-only'));
    await a.post('/broadcast?data=marker');
    await waitFor(() => data(onB).includes('marker'));
    expect(data(onB)).not.toContain('team-only');
  });

  it('sends to a client id on whichever instance holds it, and says when none does', async () => {
    const onC = await browser(c);
    expect((await a.post(`/clients/${onC.id()}/send?data=direct`)).body).toEqual({ delivered: true });
    await waitFor(() => data(onC).includes('direct'));
    expect((await a.post('/clients/nobody-has-this/send?data=x')).body).toEqual({ delivered: false });
  });

  it('counts the clients of every instance, and of a group', async () => {
    const before = (await a.get<{ count: number }>('/count')).body.count;
    const group = `g-${randomUUID()}`;
    const added = [await browser(a), await browser(b), await browser(b), await browser(c)];
    await b.post(`/groups/${group}/members/${added[1]!.id()}`);
    await c.post(`/groups/${group}/members/${added[3]!.id()}`);
    for (const instance of [a, b, c]) {
      expect((await instance.get<{ count: number }>('/count')).body.count).toBe(before + 4);
      expect((await instance.get<{ count: number }>(`/count?group=${group}`)).body.count).toBe(2);
    }
  });

  it('disconnects a client held by another instance; its reconnect to a third gets 204 and it stops', async () => {
    const kicked = await browser(a, c);
    expect((await b.post(`/clients/${kicked.id()}/disconnect`)).body).toEqual({ disconnected: true });
    await kicked.closedForGood;
    expect(kicked.statuses).toEqual([200, 204]);
    expect(kicked.targets).toEqual([`${a.url}/events`, `${c.url}/events`]);
    expect((await b.post('/clients/nobody-has-this/disconnect')).body).toEqual({ disconnected: false });
  });

  it('replays what a client missed on another instance while two instances send: every event once, in log order', async () => {
    const roaming = await browser(b, a);
    const sent: string[] = [];
    let sending = true;
    const sender = async (from: Instance) => {
      for (let n = 1; sending; n++) {
        await from.post(`/broadcast?data=${from.name}-${n}`);
        sent.push(`${from.name}-${n}`);
      }
    };
    const senders = [sender(a), sender(c)];
    await waitFor(() => data(roaming).length >= 10);
    expect((await b.post(`/clients/${roaming.id()}/drop`)).body).toEqual({ dropped: true });
    await waitFor(() => roaming.targets.length === 2 && roaming.source.readyState === 1);
    await delay(300);
    sending = false;
    await Promise.all(senders);
    await waitFor(() => sent.every((text) => data(roaming).includes(text)));
    await delay(100);

    const received = roaming.messages.filter((message) => /^[AC]-\d+$/.test(message.data));
    expect(received.map((message) => message.data).sort()).toEqual([...sent].sort());
    const ids = received.map((message) => message.lastEventId.split('-').map(BigInt));
    const inLogOrder = ids.every((id, i) => i === 0 || id[0]! > ids[i - 1]![0]! || (id[0] === ids[i - 1]![0] && id[1]! > ids[i - 1]![1]!));
    expect(inLogOrder).toBe(true);
    expect(roaming.statuses).toEqual([200, 200]);
  });

  describe('while Redis is down', () => {
    let onA: Awaited<ReturnType<typeof browser>>;
    let onB: Awaited<ReturnType<typeof browser>>;

    beforeAll(async () => {
      [onA, onB] = [await browser(a), await browser(b)];
      await redis.stop();
    });

    it('keeps delivering locally, and logs the outage once however many events fail', async () => {
      for (let n = 0; n < 5; n++) await a.post(`/broadcast?data=during-${n}`);
      await waitFor(() => data(onA).includes('during-4'));
      expect(data(onA).filter((d) => d.startsWith('during-'))).toHaveLength(5);
      await delay(200);
      expect(data(onB).filter((d) => d.startsWith('during-'))).toHaveLength(0);
      expect(a.logged(/nestjs-sse:BACKPLANE is unreachable/)).toHaveLength(1);
      expect(a.logged(/nestjs-sse:EVENT_LOG is unreachable/)).toHaveLength(1);
    });

    it('lets clients connect (failing open) and refuses to disconnect, leaving the stream open', async () => {
      const newcomer = await browser(a);
      expect(newcomer.statuses).toEqual([200]);
      const refused = await a.post<{ message: string }>(`/clients/${onA.id()}/disconnect`);
      expect(refused.status).toBe(503);
      expect(refused.body.message).toMatch(/was not disconnected: nestjs-sse:NO_RECONNECT_STORE could not remember its id/);
      await a.post('/broadcast?data=still-open');
      await waitFor(() => data(onA).includes('still-open'));
    });

    it('heals by itself once Redis is back: events cross instances again', async () => {
      await redis.start();
      let n = 0;
      await waitFor(() => {
        void a.post(`/broadcast?data=after-${n++}`);
        return data(onB).some((d) => d.startsWith('after-'));
      }, 15_000);
      await waitFor(() => a.logged(/is reachable again/).length > 0);
      expect(a.logged(/nestjs-sse:BACKPLANE is unreachable/)).toHaveLength(1);
    });
  });
});
