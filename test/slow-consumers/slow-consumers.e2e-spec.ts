import { afterEach, describe, expect, it } from '@jest/globals';
import { connect as connectHttp2 } from 'node:http2';
import { connect as connectTcp } from 'node:net';
import { openRawStream, type RawStream } from '../utils/raw-stream.js';
import { connectionCount, type SseApp, startSseApp, TRANSPORT } from '../utils/sse-app.js';
import { collect, delay, waitFor } from '../utils/wait.js';

/**
 * Over HTTP/1.1 the kernel's socket buffers take what a reader has not read yet; over h2 the server
 * holds it until TLS and the session have sent it, so a reader on a busy machine needs more room.
 * A stalled h2 stream (64 KB window) still passes the h2 cap within about 130 of the 400 events.
 */
const CAP = TRANSPORT === 'h2' ? 4 * 1024 * 1024 : 64 * 1024;
const EVENT_BYTES = 32 * 1024;
const EVENTS = 400;

interface Stalled {
  /** Whether the server has cut it: over h2 its stream, over HTTP/1.1 its connection (see connectionCount). */
  cut(): boolean;
  destroy(): void;
}

/**
 * A client that sends its request and then never reads a byte, like a stalled browser: over
 * HTTP/1.1 a socket never read; over h2 a paused stream on a session of its own with Node's
 * 64 KB windows, which then stay shut.
 */
async function stalledClient(url: string): Promise<Stalled> {
  if (TRANSPORT === 'h2') {
    const session = connectHttp2(url, { rejectUnauthorized: false }).on('error', () => undefined);
    const stream = session.request({ ':path': '/events', accept: 'text/event-stream' }).on('error', () => undefined);
    stream.pause();
    return { cut: () => stream.rstCode !== undefined, destroy: () => session.destroy() };
  }
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connectTcp({ host: hostname, port: Number(port) }, () => {
      socket.pause();
      socket.write(`GET /events HTTP/1.1\r\nHost: ${hostname}\r\nAccept: text/event-stream\r\n\r\n`);
      resolve({ cut: () => false, destroy: () => socket.destroy() });
    });
    socket.once('error', reject);
  });
}

describe('slow consumers', () => {
  let sseApp: SseApp;
  const stalled: Stalled[] = [];
  afterEach(async () => {
    stalled.splice(0).forEach((client) => client.destroy());
    await sseApp?.close();
  });

  it('drops clients that stop reading, while readers that keep up get every event', async () => {
    sseApp = await startSseApp({ sse: { keepalive: false, maxBufferedBytes: CAP } });
    const disconnected = collect(sseApp.sse.clientDisconnected$);
    for (let i = 0; i < 20; i++) stalled.push(await stalledClient(sseApp.url));
    // Each on a connection of its own, as two browsers: over h2 one session would carry both, and its
    // socket, not each stream, would be what the kernel buffers for.
    const reader = () => openRawStream(`${sseApp.url}/events`, { ownConnection: true });
    const readers: RawStream[] = [await reader(), await reader()];
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
    // Their connections (h2: their streams) are cut on the server's side, which frees what they had not read.
    if (TRANSPORT === 'h2') await waitFor(() => stalled.every((client) => client.cut()));
    else await expect(connectionCount(sseApp)).resolves.toBe(2);
    readers.forEach((reader) => reader.close());
  });

  it('refuses a maxBufferedBytes that makes no sense', async () => {
    await expect(startSseApp({ sse: { maxBufferedBytes: 0 } })).rejects.toThrow(/maxBufferedBytes must be a whole number > 0; got 0/);
  });
});
