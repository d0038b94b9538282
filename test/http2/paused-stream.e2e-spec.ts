import { afterEach, describe, expect, it } from '@jest/globals';
import { type ClientHttp2Session, connect } from 'node:http2';
import type { SseModuleForRootOptions } from '../../lib/index.js';
import { type H2Stream, openH2Stream } from '../utils/h2-stream.js';
import { type SseApp, startSseApp } from '../utils/sse-app.js';
import { collect, waitFor } from '../utils/wait.js';

// The fastify-h2 project runs the core scenarios over h2 (jest.config.js); this is what only h2 has:
// streams of one session, one of which stops reading while the others go on (Node's 64 KB windows).
describe('HTTP/2: a stream that stops reading on a session shared with others', () => {
  let sseApp: SseApp | undefined;
  let session: ClientHttp2Session | undefined;
  afterEach(async () => {
    session?.destroy();
    await sseApp?.close();
    sseApp = undefined;
  });

  async function start(sse: SseModuleForRootOptions = {}) {
    sseApp = await startSseApp({ http2: true, sse: { keepalive: false, ...sse } });
    session = connect(sseApp.url, { rejectUnauthorized: false });
    return sseApp;
  }
  const open = (path = '/events', headers?: Record<string, string>) => openH2Stream(session!, path, headers);

  it('drops a stream that stops reading, and goes on serving the others on the same session', async () => {
    await start({ maxBufferedBytes: 64 * 1024 });
    const disconnected = collect(sseApp!.sse.clientDisconnected$);
    const stalled = await open();
    stalled.stream.pause();
    const reader: H2Stream = await open();
    await waitFor(() => sseApp!.sse.getClients().length === 2);
    const chunk = 'x'.repeat(16 * 1024);
    for (let n = 0; n < 200 && disconnected.length === 0; n++) {
      await sseApp!.sse.broadcast(chunk);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await waitFor(() => disconnected.length === 1);
    expect(disconnected.map(({ reason }) => reason)).toEqual(['slow']);
    await sseApp!.sse.broadcast('still here');
    await reader.until((s) => s.events.at(-1)?.data === 'still here', 10_000);
  });
});
