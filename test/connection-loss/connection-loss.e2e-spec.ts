import { afterEach, describe, expect, it } from '@jest/globals';
import { connect } from 'node:net';
import { type SseApp, startSseApp } from '../utils/sse-app.js';
import { collect, waitFor } from '../utils/wait.js';

describe('connections that go away', () => {
  let sseApp: SseApp;
  afterEach(() => sseApp?.close());

  it('forgets a stream when its connection closes, every time', async () => {
    sseApp = await startSseApp();
    const disconnects = collect(sseApp.sse.clientDisconnected$);
    const { port } = new URL(sseApp.url);
    const request = 'GET /events HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n';
    for (let round = 0; round < 3; round++) {
      const socket = connect(Number(port), '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.write(request);
      await waitFor(() => sseApp.sse.getClients().length === 1);
      socket.destroy();
      await waitFor(() => sseApp.sse.getClients().length === 0);
    }
    expect(disconnects).toHaveLength(3);
    expect(new Set(disconnects.map((e) => e.reason))).toEqual(new Set(['client']));
  });
});
