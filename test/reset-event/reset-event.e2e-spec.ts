import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { InMemoryEventLog, type SseModuleForRootOptions } from '../../lib/index.js';
import { type BrowserLikeEventSource, openEventSource } from '../utils/browser-like-event-source.js';
import { StreamPool } from '../utils/raw-stream.js';
import { type SseApp, startSseApp } from '../utils/sse-app.js';
import { waitFor } from '../utils/wait.js';

const RESET = { type: 'sse:reset', data: '' };

// A page that comes back and cannot be resumed is told so, so that it refetches its state.
describe('resetEvent', () => {
  let sseApp: SseApp;
  let es: BrowserLikeEventSource | undefined;
  const streams = new StreamPool();
  afterEach(async () => {
    jest.restoreAllMocks();
    es?.source.close();
    streams.closeAll();
    await sseApp?.close();
  });

  const start = async (sse: SseModuleForRootOptions) => {
    sseApp = await startSseApp({ sse: { keepalive: false, reconnectInterval: 50, resetEvent: RESET, ...sse } });
    return sseApp;
  };

  /** An EventSource that got one event, lost its connection, and came back with that event's id. */
  async function reconnectAfter(missed: number) {
    es = openEventSource(`${sseApp.url}/events`, ['sse:reset']);
    await es.opened;
    // An id of the app's own, so that the client has a place in the stream even without a log.
    await sseApp.sse.broadcast({ id: 'seen-1', data: 'seen' });
    await waitFor(() => es!.messages.length === 1);
    sseApp.sse.getClients()[0]!.request.socket.destroy();
    for (let n = 0; n < missed; n++) await sseApp.sse.broadcast(`missed ${n}`);
    await waitFor(() => es!.statuses.length === 2 && sseApp.sse.getClients().length === 1);
    await sseApp.sse.broadcast('live');
    await waitFor(() => es!.messages.at(-1)?.data === 'live');
    return es.messages.map(({ type, data }) => `${type}:${data}`);
  }

  it('comes first when the log no longer holds the Last-Event-ID', async () => {
    await start({ eventLog: new InMemoryEventLog({ maxEvents: 2 }) });
    expect(await reconnectAfter(5)).toEqual(['message:seen', 'sse:reset:', 'message:live']);
  });

  it('comes first when there is no log to resume from', async () => {
    await start({});
    expect(await reconnectAfter(1)).toEqual(['message:seen', 'sse:reset:', 'message:live']);
  });

  it('comes first when the log cannot be read', async () => {
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const log = Object.assign(new InMemoryEventLog(), { since: () => Promise.reject(new Error('the log is down')) });
    await start({ eventLog: log });
    expect(await reconnectAfter(1)).toEqual(['message:seen', 'sse:reset:', 'message:live']);
  });

  it('is not sent when the client is resumed, nor to a client that came without Last-Event-ID', async () => {
    await start({ eventLog: new InMemoryEventLog() });
    expect(await reconnectAfter(2)).toEqual(['message:seen', 'message:missed 0', 'message:missed 1', 'message:live']);
    const [fresh] = await streams.open(`${sseApp.url}/events`);
    await sseApp.sse.broadcast('hello');
    await fresh!.until((stream) => stream.events.length === 1);
    expect(fresh!.events.map((event) => event.event ?? 'message')).toEqual(['message']);
  });

  it('is written ahead of what clientConnected$ handlers send', async () => {
    await start({});
    sseApp.sse.clientConnected$.subscribe(({ client }) => void client.send({ type: 'welcome', data: 'hi' }));
    const [stream] = await streams.open(`${sseApp.url}/events`, 1, { headers: { accept: 'text/event-stream', 'last-event-id': '7' } });
    await stream!.until((s) => s.events.length === 2);
    expect(stream!.events.map((event) => event.event)).toEqual(['sse:reset', 'welcome']);
  });
});
