import { afterEach, describe, expect, it } from '@jest/globals';
import { firstValueFrom } from 'rxjs';
import { SseClientNotConnectedError } from '../../lib/index.js';
import { openEventSource } from '../utils/browser-like-event-source.js';
import { openRawStream, type RawStream } from '../utils/raw-stream.js';
import { type SseApp, startSseApp } from '../utils/sse-app.js';
import { collect, waitFor } from '../utils/wait.js';

describe('sending to clients', () => {
  let sseApp: SseApp;
  let streams: RawStream[] = [];
  afterEach(async () => {
    streams.forEach((s) => s.close());
    streams = [];
    await sseApp?.close();
  });

  async function connect(count: number): Promise<RawStream[]> {
    for (let i = 0; i < count; i++) {
      streams.push(await openRawStream(`${sseApp.url}/events`));
    }
    await waitFor(() => sseApp.sse.getClients().length === streams.length);
    return streams.slice(-count);
  }

  it('broadcasts one event to every client, formatting it once', async () => {
    sseApp = await startSseApp();
    const clients = await connect(3);
    let formatted = 0;
    const data = {
      toJSON: () => {
        formatted++;
        return { n: 1 };
      },
    };
    await sseApp.sse.broadcast({ type: 'count', id: '7', data });
    await Promise.all(clients.map((s) => s.until((x) => x.events.length === 1)));
    expect(formatted).toBe(1);
    for (const stream of clients) expect(stream.events).toEqual([{ event: 'count', id: '7', data: '{"n":1}' }]);
  });

  it('sends only to the clients a filter accepts', async () => {
    sseApp = await startSseApp();
    const [a, b] = await connect(2);
    const [first] = sseApp.sse.getClients();
    first!.properties.set('role', 'admin');
    await sseApp.sse.broadcast('admins only', (client) => client.properties.get('role') === 'admin');
    await sseApp.sse.broadcast('everyone');
    await Promise.all([a!, b!].map((s) => s.until((x) => x.events.some((e) => e.data === 'everyone'))));
    const received = [a!, b!].map((s) => s.events.map((e) => e.data));
    expect(received).toContainEqual(['admins only', 'everyone']);
    expect(received).toContainEqual(['everyone']);
  });

  it('sends to a group, and leaves it on removeFromGroup and on disconnect', async () => {
    sseApp = await startSseApp();
    const [a, b] = await connect(2);
    const [clientA, clientB] = sseApp.sse.getClients();
    expect(sseApp.sse.addToGroup('room', clientA!)).toBe(true);
    expect(sseApp.sse.addToGroup('room', clientB!.id)).toBe(true);
    expect(sseApp.sse.addToGroup('other', clientB!)).toBe(true);
    expect(sseApp.sse.getClients('room')).toHaveLength(2);
    expect(sseApp.sse.getGroups(clientB!).sort()).toEqual(['other', 'room']);

    expect(sseApp.sse.removeFromGroup('room', clientA!)).toBe(true);
    expect(sseApp.sse.removeFromGroup('room', clientA!)).toBe(false);
    await sseApp.sse.sendToGroup('room', 'to room');
    await b!.until((s) => s.events.length === 1);
    await sseApp.sse.broadcast('sync');
    await a!.until((s) => s.events.length === 1);
    expect(a!.events.map((e) => e.data)).toEqual(['sync']);

    b!.close();
    await waitFor(() => sseApp.sse.getClients().length === 1);
    expect(sseApp.sse.getGroups()).toEqual([]);
    await expect(sseApp.sse.sendToGroup('room', 'nobody')).resolves.toBeUndefined();
  });

  it('refuses to add a client that is not connected, and rejects empty group names', async () => {
    sseApp = await startSseApp();
    await connect(1);
    expect(sseApp.sse.addToGroup('room', 'no-such-client')).toBe(false);
    expect(() => sseApp.sse.addToGroup('', sseApp.sse.getClients()[0]!)).toThrow(/non-empty string/);
    expect(sseApp.sse.getGroups()).toEqual([]);
  });

  it('rejects a send to a client that went away, and skips it in broadcasts', async () => {
    sseApp = await startSseApp();
    const [gone, staying] = await connect(2);
    const [goneClient] = sseApp.sse.getClients();
    gone!.close();
    await waitFor(() => !goneClient!.isConnected);
    await expect(goneClient!.send('hello?')).rejects.toThrow(SseClientNotConnectedError);
    await expect(goneClient!.send('hello?')).rejects.toThrow(/is not connected/);
    await sseApp.sse.broadcast('still works');
    await staying!.until((s) => s.events.length === 1);
    expect(sseApp.sse.getClients()).toHaveLength(1);
  });

  it('removes a client whose socket dies and reports it exactly once', async () => {
    sseApp = await startSseApp();
    const disconnects = collect(sseApp.sse.clientDisconnected$);
    await connect(1);
    const [client] = sseApp.sse.getClients();
    client!.request.socket.destroy();
    await waitFor(() => disconnects.length === 1);
    await sseApp.sse.broadcast('after death');
    expect(sseApp.sse.getClients()).toEqual([]);
    expect(disconnects.map((e) => [e.client, e.reason])).toEqual([[client, 'client']]);
  });

  it('rejects an invalid event with a TypeError and sends nothing', async () => {
    sseApp = await startSseApp();
    const [stream] = await connect(1);
    await expect(sseApp.sse.broadcast({ type: 'x\nid: forged', data: 'x' })).rejects.toThrow(TypeError);
    await expect(sseApp.sse.getClients()[0]!.send({ id: 'a\rb', data: 'x' })).rejects.toThrow(TypeError);
    await sseApp.sse.broadcast('valid');
    await stream!.until((s) => s.events.length === 1);
    expect(stream!.body).toBe(':\n\ndata: valid\n\n');
  });

  it('batches a burst into few writes and keeps the order', async () => {
    sseApp = await startSseApp();
    const [stream] = await connect(1);
    for (let i = 0; i < 500; i++) void sseApp.sse.broadcast({ id: String(i), data: `event ${i}` });
    await stream!.until((s) => s.events.length === 500);
    expect(stream!.events.map((e) => e.id)).toEqual(Array.from({ length: 500 }, (_, i) => String(i)));
  });

  it('tells connected and later clients a new reconnect interval', async () => {
    sseApp = await startSseApp();
    const [before] = await connect(1);
    await sseApp.sse.changeReconnectInterval(750);
    await before!.until((s) => s.retries.length === 1);
    expect(before!.retries).toEqual([750]);
    const [after] = await connect(1);
    await after!.until((s) => s.retries.length === 1);
    expect(after!.body.startsWith('retry: 750\n\n')).toBe(true);
    await expect(sseApp.sse.changeReconnectInterval(-1)).rejects.toThrow(TypeError);
  });

  it('emits clientConnected$ with the client registered and with Last-Event-ID on a reconnect', async () => {
    sseApp = await startSseApp({ sse: { reconnectInterval: 20 } });
    const connects = collect(sseApp.sse.clientConnected$);
    sseApp.sse.clientConnected$.subscribe(({ client }) => void client.send({ type: 'welcome', data: client.id }));
    const es = openEventSource(`${sseApp.url}/events`, ['welcome']);
    await waitFor(() => es.messages.length === 1);
    expect(connects[0]).toMatchObject({ lastEventId: undefined });
    expect(sseApp.sse.getClients()).toContain(connects[0]!.client);

    await sseApp.sse.broadcast({ id: 'evt-41', data: 'numbered' });
    await waitFor(() => es.messages.length === 2);
    // A network drop: EventSource reconnects and sends the id of the last event it saw.
    connects[0]!.client.request.socket.destroy();
    await waitFor(() => connects.length === 2);
    expect(connects[1]!.lastEventId).toBe('evt-41');
    expect(connects[1]!.client.lastEventId).toBe('evt-41');
    es.source.close();
  });

  it('connects a client in a clientConnected$ handler to groups before any broadcast', async () => {
    sseApp = await startSseApp();
    sseApp.sse.clientConnected$.subscribe(({ client }) => sseApp.sse.addToGroup('everyone', client));
    const [stream] = await connect(1);
    await sseApp.sse.sendToGroup('everyone', 'joined');
    await stream!.until((s) => s.events.length === 1);
    const disconnected = firstValueFrom(sseApp.sse.clientDisconnected$);
    stream!.close();
    await disconnected;
    expect(sseApp.sse.getClients('everyone')).toEqual([]);
  });
});
