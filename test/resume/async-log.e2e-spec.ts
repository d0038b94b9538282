import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { openRawStream, type RawStream } from '../utils/raw-stream.js';
import { SlowEventLog } from '../utils/recording-providers.js';
import { type SseApp, startSseApp } from '../utils/sse-app.js';
import { collect, delay, waitFor } from '../utils/wait.js';

const data = (stream: RawStream) => stream.events.map((event) => event.data);

// An event log that answers later (as Redis does) or not at all.
describe('with an asynchronous event log', () => {
  let sseApp: SseApp;
  let log: SlowEventLog;
  afterEach(async () => {
    jest.restoreAllMocks();
    await sseApp?.close();
  });

  async function start(storeTimeout = 1000): Promise<void> {
    log = new SlowEventLog();
    sseApp = await startSseApp({ sse: { keepalive: false, eventLog: log, storeTimeout } });
  }

  async function openOne(headers: Record<string, string> = {}): Promise<RawStream> {
    const clients = sseApp.sse.getClients().length;
    const stream = await openRawStream(`${sseApp.url}/events`, { headers: { accept: 'text/event-stream', ...headers } });
    await waitFor(() => sseApp.sse.getClients().length === clients + 1);
    return stream;
  }

  /** A client that received one logged event, whose id a resuming client can then present. */
  async function watchOneEvent(): Promise<{ watcher: RawStream; seenId: string }> {
    const watcher = await openOne();
    await sseApp.sse.broadcast('seen');
    await watcher.until((s) => s.events.length === 1);
    return { watcher, seenId: watcher.events[0]!.id! };
  }

  it('delivers in call order even when the log answers out of order, logged or not', async () => {
    await start();
    const stream = await openOne();
    log.appendDelays = [60, 40, 20, 0];
    const client = sseApp.sse.getClients()[0]!;
    const sends = [
      sseApp.sse.broadcast('1'),
      sseApp.sse.broadcast('2', () => true),
      client.send('3'),
      sseApp.sse.changeReconnectInterval(5000),
      sseApp.sse.sendToGroup('none', 'to nobody'),
      sseApp.sse.broadcast('4'),
    ];
    await Promise.all(sends);
    await stream.until((s) => s.events.length === 4);
    expect(data(stream)).toEqual(['1', '2', '3', '4']);
    const positions = ['data: 1', 'data: 2', 'data: 3', 'retry: 5000', 'data: 4'].map((text) => stream.body.indexOf(text));
    expect(positions).toEqual([...positions].sort((x, y) => x - y));
    expect(stream.events.filter((event) => event.id !== undefined)).toHaveLength(3);
    stream.close();
  });

  it('writes the replay ahead of what was sent while the log read it, and nothing twice', async () => {
    await start();
    const { watcher, seenId } = await watchOneEvent();
    await sseApp.sse.broadcast('missed');
    await watcher.until((s) => s.events.length === 2);
    const connected = collect(sseApp.sse.clientConnected$);

    log.sinceDelay = 80;
    const resumed = await openOne({ 'last-event-id': seenId });
    // Logged before the slow read ends, so it is both in the replay and sent live.
    await sseApp.sse.broadcast('during the read');
    await delay(120);
    await sseApp.sse.broadcast('after');
    await resumed.until((s) => s.events.length >= 3 && data(s).includes('after'));
    await delay(30);

    expect(data(resumed)).toEqual(['missed', 'during the read', 'after']);
    expect(connected.map((event) => event.resumed)).toEqual([true]);
    watcher.close();
    resumed.close();
  });

  it('sends events without ids while the log fails, and logs that once', async () => {
    await start();
    const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const stream = await openOne();
    log.mode = 'reject';
    for (const text of ['a', 'b', 'c']) await sseApp.sse.broadcast(text);
    await stream.until((s) => s.events.length === 3);
    expect(data(stream)).toEqual(['a', 'b', 'c']);
    expect(stream.events.map((event) => event.id)).toEqual([undefined, undefined, undefined]);
    const outage = errors.mock.calls.filter(([message]) => /nestjs-sse:EVENT_LOG is unreachable \(log unreachable\)/.test(String(message)));
    expect(outage).toHaveLength(1);
    stream.close();
  });

  it('gives up on a log that hangs after storeTimeout: the event goes out, and the reconnect is not resumed', async () => {
    await start(100);
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const stream = await openOne();
    log.mode = 'hang';
    await sseApp.sse.broadcast({ data: 'kept', id: 'caller-id' });
    await stream.until((s) => s.events.length === 1);
    expect(stream.events[0]).toMatchObject({ data: 'kept', id: 'caller-id' });

    const connected = collect(sseApp.sse.clientConnected$);
    const again = await openOne({ 'last-event-id': 'caller-id' });
    await waitFor(() => connected.length === 1);
    expect(connected[0]!.resumed).toBe(false);
    stream.close();
    again.close();
  });

  it('keeps group events sent during the read for a client that joins the group in clientConnected$', async () => {
    await start();
    const { watcher, seenId } = await watchOneEvent();
    sseApp.sse.clientConnected$.subscribe(({ client }) => {
      sseApp.sse.addToGroup('news', client);
      client.properties.set('vip', true);
    });
    log.sinceDelay = 80;
    log.sinceAtCall = true;
    const resumed = await openOne({ 'last-event-id': seenId });
    await sseApp.sse.sendToGroup('news', 'group news during the read');
    await sseApp.sse.broadcast('vip only', (client) => client.properties.get('vip') === true);
    await sseApp.sse.sendToGroup('other', 'not for it');
    await resumed.until((s) => s.events.length === 2);
    await sseApp.sse.broadcast('after');
    await resumed.until((s) => data(s).includes('after'));
    expect(data(resumed)).toEqual(['group news during the read', 'vip only', 'after']);
    watcher.close();
    resumed.close();
  });

  it('reports neither connect nor disconnect for a client that left while its replay was read', async () => {
    await start();
    const { watcher, seenId } = await watchOneEvent();
    const connected = collect(sseApp.sse.clientConnected$);
    const disconnected = collect(sseApp.sse.clientDisconnected$);
    log.sinceDelay = 100;
    const leaving = await openOne({ 'last-event-id': seenId });
    leaving.close();
    await waitFor(() => sseApp.sse.getClients().length === 1);
    await delay(150);
    expect(connected).toEqual([]);
    expect(disconnected).toEqual([]);
    watcher.close();
  });

  it('lets a client in without a replay when the log answers with an event it cannot write', async () => {
    await start();
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const { watcher, seenId } = await watchOneEvent();
    jest.spyOn(log, 'since').mockResolvedValue([{ id: 'bad\nid', body: 'data: x\n\n', audience: { kind: 'all' } }]);
    const resumed = await openOne({ 'last-event-id': seenId });
    await delay(20);
    await sseApp.sse.broadcast('live');
    await resumed.until((s) => data(s).includes('live'));
    expect(data(resumed)).toEqual(['live']);
    watcher.close();
    resumed.close();
  });
});
