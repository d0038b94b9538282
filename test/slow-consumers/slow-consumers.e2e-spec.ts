import { afterEach, describe, expect, it } from '@jest/globals';
import { connect, type Socket } from 'node:net';
import { openRawStream, type RawStream } from '../utils/raw-stream.js';
import { connectionCount, type SseApp, startSseApp } from '../utils/sse-app.js';
import { collect, delay, waitFor } from '../utils/wait.js';

const CAP = 64 * 1024;
const EVENT_BYTES = 32 * 1024;
const EVENTS = 400;

/** A client that sends its request and then never reads a byte, like a stalled browser tab. */
function stalledClient(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => {
      socket.pause();
      socket.write(`GET /events HTTP/1.1\r\nHost: ${hostname}\r\nAccept: text/event-stream\r\n\r\n`);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

describe('slow consumers', () => {
  let sseApp: SseApp;
  const sockets: Socket[] = [];
  afterEach(async () => {
    sockets.splice(0).forEach((socket) => socket.destroy());
    await sseApp?.close();
  });

  it('drops clients that stop reading, while readers that keep up get every event', async () => {
    sseApp = await startSseApp({ sse: { keepalive: false, maxBufferedBytes: CAP } });
    const disconnected = collect(sseApp.sse.clientDisconnected$);
    for (let i = 0; i < 20; i++) sockets.push(await stalledClient(sseApp.url));
    const readers: RawStream[] = [await openRawStream(`${sseApp.url}/events`), await openRawStream(`${sseApp.url}/events`)];
    await waitFor(() => sseApp.sse.getClients().length === 22);
    const readerIds = sseApp.sse
      .getClients()
      .slice(20)
      .map((client) => client.id);

    const payload = 'x'.repeat(EVENT_BYTES - 8);
    for (let n = 0; n < EVENTS; n++) {
      await sseApp.sse.broadcast(`${String(n).padStart(6, '0')} ${payload}`);
      // Let each burst leave and the readers read, as a live feed would.
      if (n % 8 === 7) await delay(1);
    }
    await Promise.all(readers.map((reader) => reader.until((s) => s.events.length === EVENTS, 15_000)));

    for (const reader of readers) {
      expect(reader.events.map((event) => Number(event.data.slice(0, 6)))).toEqual([...Array(EVENTS).keys()]);
    }
    expect(disconnected.map((event) => event.reason)).toEqual(Array(20).fill('slow'));
    expect(
      sseApp.sse
        .getClients()
        .map((client) => client.id)
        .sort(),
    ).toEqual([...readerIds].sort());
    // Their connections are cut on the server's side, which frees what they had not read.
    await expect(connectionCount(sseApp)).resolves.toBe(2);
    readers.forEach((reader) => reader.close());
  });

  it('refuses a maxBufferedBytes that makes no sense', async () => {
    await expect(startSseApp({ sse: { maxBufferedBytes: 0 } })).rejects.toThrow(/maxBufferedBytes must be a whole number > 0; got 0/);
  });
});
