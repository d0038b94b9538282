import { afterEach, describe, expect, it } from '@jest/globals';
import { connect, type Socket } from 'node:net';
import { openRawStream, type RawStream } from '../utils/raw-stream.js';
import { SlowController } from '../utils/slow-controller.js';
import { connectionCount, type SseApp, startSseApp } from '../utils/sse-app.js';
import { delay, waitFor } from '../utils/wait.js';

const STREAM_REQUEST = 'GET /events HTTP/1.1\r\nHost: test\r\nAccept: text/event-stream\r\n\r\n';

/** A raw connection that sends `requests` in one write and then reads only when asked. */
function pipeline(url: string, requests: string): Promise<{ socket: Socket; received: () => string; closed: Promise<void> }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('error', () => undefined);
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    socket.once('connect', () => {
      socket.write(requests);
      resolve({ socket, received: () => text, closed });
    });
    socket.once('error', reject);
  });
}

describe('HTTP/1.1 pipelining', () => {
  let sseApp: SseApp;
  let bystander: RawStream | undefined;
  afterEach(async () => {
    bystander?.close();
    await sseApp?.close();
  });

  it('closes a connection that pipelines stream requests, so it holds no streams and no memory', async () => {
    sseApp = await startSseApp({ sse: { keepalive: false } });
    bystander = await openRawStream(`${sseApp.url}/events`);
    await waitFor(() => sseApp.sse.getClients().length === 1);
    global.gc?.();
    const before = process.memoryUsage().arrayBuffers;

    // Two connections of 1000 requests each, which never read: as slow a reader as there is.
    const attackers = await Promise.all([1, 2].map(() => pipeline(sseApp.url, STREAM_REQUEST.repeat(1000))));
    attackers.forEach(({ socket }) => socket.pause());
    let most = 0;
    const payload = 'x'.repeat(4096);
    for (let burst = 0; burst < 50; burst++) {
      for (let i = 0; i < 5; i++) void sseApp.sse.broadcast({ type: 'burst', data: payload });
      await new Promise((resolve) => setImmediate(resolve));
      most = Math.max(most, sseApp.sse.getClients().length);
    }
    // The server closed both: only the bystander's connection is left.
    await waitFor(async () => (await connectionCount(sseApp)) === 1);
    attackers.forEach(({ socket }) => socket.destroy());
    const grown = process.memoryUsage().arrayBuffers - before;

    // Before this guard, each connection registered 1000 clients and pinned about 1 GB.
    expect(most).toBe(1);
    expect(grown).toBeLessThan(16 * 1024 * 1024);
    expect(sseApp.sse.getClients()).toHaveLength(1);
    expect(sseApp.sse.getMetrics().connects).toBe(1);
    await bystander.until((stream) => stream.events.filter((event) => event.event === 'burst').length === 250);
  });

  it('closes the connection, and the stream on it, when a second stream request follows an open one', async () => {
    sseApp = await startSseApp({ sse: { keepalive: false } });
    const first = await pipeline(sseApp.url, STREAM_REQUEST);
    await waitFor(() => sseApp.sse.getClients().length === 1);
    const disconnected: string[] = [];
    sseApp.sse.clientDisconnected$.subscribe(({ reason }) => disconnected.push(reason));
    first.socket.write(STREAM_REQUEST);
    await first.closed;
    await waitFor(() => sseApp.sse.getClients().length === 0);
    expect(disconnected).toEqual(['client']);
    expect(first.received().match(/HTTP\/1\.1 200/g)).toHaveLength(1);
  });

  it('serves a stream request pipelined behind an ordinary request once that one is answered', async () => {
    sseApp = await startSseApp({ sse: { keepalive: false }, controllers: [SlowController] });
    const connection = await pipeline(sseApp.url, `GET /slow HTTP/1.1\r\nHost: test\r\n\r\n${STREAM_REQUEST}`);
    await delay(100);
    // Waiting its turn, it is not a stream yet: nothing registered, nothing written to it.
    expect(sseApp.sse.getClients()).toHaveLength(0);
    await waitFor(() => sseApp.sse.getClients().length === 1);
    await sseApp.sse.broadcast('after its turn');
    await waitFor(() => connection.received().includes('data: after its turn'));
    const text = connection.received();
    expect(text.indexOf('slow done')).toBeGreaterThan(0);
    expect(text.indexOf('text/event-stream')).toBeGreaterThan(text.indexOf('slow done'));
    connection.socket.destroy();
    await waitFor(() => sseApp.sse.getClients().length === 0);
  });

  it('registers nothing when a connection closes while its stream request waits its turn', async () => {
    sseApp = await startSseApp({ sse: { keepalive: false }, controllers: [SlowController] });
    const connection = await pipeline(sseApp.url, `GET /slow HTTP/1.1\r\nHost: test\r\n\r\n${STREAM_REQUEST}`);
    await delay(100);
    connection.socket.destroy();
    await delay(400);
    expect(sseApp.sse.getMetrics().connects).toBe(0);
    expect(sseApp.sse.getClients()).toHaveLength(0);
  });
});
