import { afterEach, describe, expect, it } from '@jest/globals';
import { openEventSource } from '../utils/browser-like-event-source.js';
import { openRawStream } from '../utils/raw-stream.js';
import { type SseApp, startSseApp } from '../utils/sse-app.js';
import { delay, waitFor } from '../utils/wait.js';

describe('keepalive', () => {
  let sseApp: SseApp;
  afterEach(() => sseApp?.close());

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
    await stream.until((s) => s.comments.length >= 1);
    expect(stream.body).toMatch(/^(: KEEPALIVE\n\n)+$/);
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
    expect(stream.comments).toEqual([]);
    await stream.until((s) => s.comments.length === 1);
    stream.close();
  });
});
