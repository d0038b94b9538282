import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { CookieClientIdProvider } from '../../lib/index.js';
import { openEventSource } from '../utils/browser-like-event-source.js';
import { StreamPool } from '../utils/raw-stream.js';
import { cookieOf } from '../utils/recording-providers.js';
import { type SseApp, startSseApp } from '../utils/sse-app.js';
import { collect, waitFor } from '../utils/wait.js';

describe('maxClients', () => {
  let sseApp: SseApp;
  const streams = new StreamPool();
  afterEach(async () => {
    jest.restoreAllMocks();
    streams.closeAll();
    await sseApp?.close();
  });

  const fill = (count: number, headers?: Record<string, string>) => streams.open(`${sseApp.url}/events`, count, { headers });

  it('turns the next connection away with a stream that ends at once and a jittered retry', async () => {
    sseApp = await startSseApp({ sse: { maxClients: 3, keepalive: false } });
    const connected = collect(sseApp.sse.clientConnected$);
    await fill(3);
    await waitFor(() => connected.length === 3);

    const retries: number[] = [];
    for (let i = 0; i < 5; i++) {
      const [turnedAway] = await fill(1);
      await turnedAway!.ended;
      expect(turnedAway!.status).toBe(200);
      expect(turnedAway!.comments.join('\n')).toMatch(/at maxClients; retrying in \d+ ms/);
      expect(turnedAway!.events).toEqual([]);
      retries.push(...turnedAway!.retries);
    }
    expect(retries).toHaveLength(5);
    for (const retry of retries) expect(retry).toBeGreaterThanOrEqual(5_000);
    for (const retry of retries) expect(retry).toBeLessThanOrEqual(15_000);
    expect(new Set(retries).size).toBeGreaterThan(1);
    expect(sseApp.sse.getClients()).toHaveLength(3);
    expect(connected).toHaveLength(3);
  });

  it('lets a connection in once a slot frees, and logs reaching the limit once per spell', async () => {
    const warnings = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    sseApp = await startSseApp({ sse: { maxClients: 2, keepalive: false } });
    const [first] = await fill(2);
    await waitFor(() => sseApp.sse.getClients().length === 2);
    for (const stream of await fill(3)) await stream.ended;
    expect(warnings.mock.calls.filter(([text]) => /which is maxClients \(2\)/.test(String(text)))).toHaveLength(1);

    first!.close();
    await waitFor(() => sseApp.sse.getClients().length === 1);
    const [admitted] = await fill(1);
    await waitFor(() => sseApp.sse.getClients().length === 2);
    await sseApp.sse.broadcast('in');
    await admitted!.until((s) => s.events.length === 1);
    for (const stream of await fill(1)) await stream.ended;
    expect(warnings.mock.calls.filter(([text]) => /which is maxClients/.test(String(text)))).toHaveLength(2);
  });

  it('lets in a reconnect that replaces a client with the same id, since it takes no new slot', async () => {
    sseApp = await startSseApp({ sse: { maxClients: 1, keepalive: false, clientIdProvider: CookieClientIdProvider } });
    const [old] = await fill(1);
    const cookie = cookieOf(old!.headers['set-cookie'] as string[]);
    const [again] = await fill(1, { accept: 'text/event-stream', cookie });
    await old!.ended;
    await sseApp.sse.broadcast('still one slot');
    await again!.until((s) => s.events.length === 1);
    expect(sseApp.sse.getClients()).toHaveLength(1);
  });

  it('an EventSource turned away retries and gets in when there is room', async () => {
    sseApp = await startSseApp({ sse: { maxClients: 1, maxClientsRetry: 200, keepalive: false } });
    const [holder] = await fill(1);
    await waitFor(() => sseApp.sse.getClients().length === 1);
    const holderClient = sseApp.sse.getClients()[0];
    const es = openEventSource(`${sseApp.url}/events`);
    await waitFor(() => es.statuses.length >= 2);
    holder!.close();
    await waitFor(() => sseApp.sse.getClients().length === 1 && sseApp.sse.getClients()[0] !== holderClient);
    await sseApp.sse.broadcast('finally');
    await waitFor(() => es.messages.some((message) => message.data === 'finally'));
    expect(es.statuses.every((status) => status === 200)).toBe(true);
    es.source.close();
  });

  it.each([0, -1, 1.5, '10'])('refuses maxClients %j at startup', async (maxClients) => {
    await expect(startSseApp({ sse: { maxClients: maxClients as number } })).rejects.toThrow(
      /SseModule maxClients must be a whole number > 0/,
    );
  });
});
