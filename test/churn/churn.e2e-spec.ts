import { afterEach, describe, expect, it } from '@jest/globals';
import type { Server } from 'node:http';
import { CookieClientIdProvider, InMemoryEventLog, InMemoryNoReconnectStore, type SseClient } from '../../lib/index.js';
import { leftSince, noConnectionsOpen, openHandles } from '../utils/handles.js';
import { openRawStream } from '../utils/raw-stream.js';
import { cookieOf } from '../utils/recording-providers.js';
import { connectionCount, type SseApp, startSseApp } from '../utils/sse-app.js';
import { delay, waitFor } from '../utils/wait.js';

/** The short version of `npm run bench:churn`, which runs 10 000 cycles and reports memory. */
const CYCLES = 300;
const CONCURRENCY = 10;

const gc = (globalThis as { gc?: () => void }).gc;

describe('churn', () => {
  let sseApp: SseApp;
  afterEach(() => sseApp?.close());

  /** One connect/disconnect cycle of the kind `n` picks; each ends with its streams closed. */
  async function cycle(n: number): Promise<void> {
    const url = `${sseApp.url}/events`;
    // Without it, Node's client keeps the connection of an ended stream open for reuse.
    const first = await openRawStream(url, { headers: { accept: 'text/event-stream', connection: 'close' } });
    await first.until((s) => s.events.length === 1);
    const cookie = cookieOf(first.headers['set-cookie'] as string[]);
    const clientId = cookie.split('=')[1]!;
    const withCookie = { headers: { accept: 'text/event-stream', connection: 'close', cookie } };
    if (n % 3 === 0) {
      first.close();
      return;
    }
    if (n % 3 === 1) {
      await sseApp.sse.disconnect(clientId);
      await first.ended;
      const refused = await openRawStream(url, withCookie);
      expect(refused.status).toBe(204);
      return;
    }
    const replacement = await openRawStream(url, withCookie);
    await first.ended;
    await sseApp.sse.sendToClient(clientId, 'to the replacement');
    await replacement.until((s) => s.events.some((event) => event.data === 'to the replacement'));
    replacement.close();
  }

  it(`${CYCLES} cycles of leaving, server disconnects and replacements leave nothing behind`, async () => {
    expect(gc).toBeDefined();
    await waitFor(noConnectionsOpen, 3000);
    const handlesBefore = openHandles();
    const store = new InMemoryNoReconnectStore();
    sseApp = await startSseApp({
      sse: {
        clientIdProvider: CookieClientIdProvider,
        noReconnectStore: store,
        eventLog: new InMemoryEventLog({ maxEvents: 50 }),
        keepalive: { interval: 100 },
      },
    });
    const server = sseApp.app.getHttpServer() as Server;
    const listenersBefore = server.eventNames().map((name) => [name, server.listenerCount(name)]);
    const clients: WeakRef<SseClient>[] = [];
    sseApp.sse.clientConnected$.subscribe(({ client }) => {
      clients.push(new WeakRef(client));
      sseApp.sse.addToGroup('everyone', client);
      sseApp.sse.addToGroup(`user:${client.id}`, client);
      void client.send('welcome');
    });

    let next = 0;
    const worker = async () => {
      while (next < CYCLES) await cycle(next++);
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));

    await waitFor(() => sseApp.sse.getClients().length === 0);
    expect(sseApp.sse.getGroups()).toEqual([]);
    expect(store.size).toBe(0);
    // The last sockets the load closed reach the server a moment later.
    for (let waited = 0; waited < 2000 && (await connectionCount(sseApp)) > 0; waited += 20) await delay(20);
    await expect(connectionCount(sseApp)).resolves.toBe(0);
    expect(server.eventNames().map((name) => [name, server.listenerCount(name)])).toEqual(listenersBefore);
    // Every client object of every cycle can be collected: nothing of the module still holds one.
    expect(clients.length).toBeGreaterThanOrEqual(CYCLES + Math.floor(CYCLES / 3));
    for (let attempt = 0; attempt < 10 && clients.some((ref) => ref.deref()); attempt++) {
      await delay(20);
      gc!();
    }
    expect(clients.filter((ref) => ref.deref() !== undefined)).toHaveLength(0);

    // Nothing keeps the process alive but the app's own listening socket.
    await waitFor(() => leftSince(handlesBefore).every(([kind, extra]) => kind === 'TCPServerWrap' && extra === 1), 3000).catch(
      () => undefined,
    );
    expect(leftSince(handlesBefore)).toEqual([['TCPServerWrap', 1]]);
  });
});
