import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { openEventSource } from '../utils/browser-like-event-source.js';
import { openRawStream } from '../utils/raw-stream.js';
import { type SseApp, startSseApp } from '../utils/sse-app.js';
import { delay, waitFor } from '../utils/wait.js';

describe('keepalive', () => {
  let sseApp: SseApp;
  afterEach(async () => {
    jest.restoreAllMocks();
    await sseApp?.close();
  });

  it('runs one timer for all clients, only while any are connected', async () => {
    sseApp = await startSseApp({ sse: { keepalive: { interval: 60_000 } } });
    const started = jest.spyOn(globalThis, 'setInterval');
    const cleared = jest.spyOn(globalThis, 'clearInterval');
    const streams = await Promise.all(Array.from({ length: 30 }, () => openRawStream(`${sseApp.url}/events`)));
    await waitFor(() => sseApp.sse.getClients().length === 30);
    expect(started).toHaveBeenCalledTimes(1);
    const timer = started.mock.results[0]!.value as NodeJS.Timeout;

    streams.forEach((stream) => stream.close());
    await waitFor(() => sseApp.sse.getClients().length === 0);
    expect(cleared).toHaveBeenCalledWith(timer);
    expect(started).toHaveBeenCalledTimes(1);
  });

  it('sends an empty comment to an idle stream by default kind', async () => {
    sseApp = await startSseApp({ sse: { keepalive: { interval: 50 } } });
    const stream = await openRawStream(`${sseApp.url}/events`);
    await stream.until((s) => s.comments.length >= 2);
    expect(stream.events).toEqual([]);
    expect(stream.body).toMatch(/^(:\n\n)+$/);
    stream.close();
  });

  it('sends custom comment text', async () => {
    sseApp = await startSseApp({ sse: { keepalive: { interval: 50, content: 'KEEPALIVE' } } });
    const stream = await openRawStream(`${sseApp.url}/events`);
    await stream.until((s) => s.comments.length >= 2);
    // After the empty comment every stream opens with.
    expect(stream.body).toMatch(/^:\n\n(: KEEPALIVE\n\n)+$/);
    stream.close();
  });

  it('sends a named event the page can listen to with kind "event"', async () => {
    sseApp = await startSseApp({ sse: { keepalive: { interval: 50, kind: 'event', content: 'ping' } } });
    const es = openEventSource(`${sseApp.url}/events`, ['ping']);
    await waitFor(() => es.messages.length >= 2);
    expect(es.messages[0]).toMatchObject({ type: 'ping', data: '' });
    es.source.close();
  });

  it('stays quiet while events flow', async () => {
    sseApp = await startSseApp({ sse: { keepalive: { interval: 200 } } });
    const stream = await openRawStream(`${sseApp.url}/events`);
    const ticker = setInterval(() => void sseApp.sse.broadcast('tick'), 20);
    await delay(700);
    clearInterval(ticker);
    expect(stream.events.length).toBeGreaterThan(10);
    // Only the empty comment every stream opens with.
    expect(stream.comments).toEqual(['']);
    await stream.until((s) => s.comments.length === 2);
    stream.close();
  });
});
