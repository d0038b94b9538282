import { afterEach, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { untilLine } from '../utils/child-process.js';
import { type SseApp, startSseApp } from '../utils/sse-app.js';
import type { DrainResult } from './drain-clients.js';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const CLIENTS = 1000;
const WINDOW = 5000;
const SLICE = 500;

// A deploy: instance A closes, instance B is up. The EventSources (in a process of their own,
// drain-clients.ts) reconnect through a "load balancer" that sends them to A while it is up and to
// B after.
describe('drain on shutdown', () => {
  const apps: SseApp[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close().catch(() => undefined)));
  });

  it(`spreads the reconnects of ${CLIENTS} EventSources over drainWindow, without waiting for it, and none gives up`, async () => {
    const a = await startSseApp({ sse: { keepalive: false, drainWindow: WINDOW, shutdownEvent: { type: 'shutdown', data: '' } } });
    const b = await startSseApp({ sse: { keepalive: false } });
    apps.push(a, b);
    const args = ['--import', here('../utils/ts-loader/register.mjs'), here('./drain-clients.ts')];
    const clients = spawn(process.execPath, [...args, a.url, b.url, String(CLIENTS), String(WINDOW + 15_000)], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    await untilLine(clients, /^READY$/, 'the drain clients', [], 30_000);
    expect(a.sse.getClients()).toHaveLength(CLIENTS);

    const reported = untilLine(clients, /^RESULT /, 'the drain clients', [], WINDOW + 25_000);
    clients.stdin!.write('SWITCH\n');
    await a.close();
    // Shutdown ends every stream at once; the reconnects come later.
    expect(b.sse.getClients().length).toBeLessThan(CLIENTS / 2);
    const result = JSON.parse((await reported).slice('RESULT '.length)) as DrainResult;
    clients.stdin!.end();

    expect(result.closed).toBe(0);
    expect(result.toldShutdown).toBe(CLIENTS);
    expect(result.reopened).toBe(CLIENTS);
    // One attempt each: none was refused or failed and tried again.
    expect(result.delays).toHaveLength(CLIENTS);
    expect(b.sse.getClients()).toHaveLength(CLIENTS);
    // Slices of the window, and one more for any that came back after it.
    const slices = Array<number>(WINDOW / SLICE + 1).fill(0);
    for (const delay of result.delays) slices[Math.min(slices.length - 1, Math.floor(delay / SLICE))]!++;
    const share = CLIENTS / (WINDOW / SLICE);
    expect(Math.max(...slices)).toBeLessThanOrEqual(2 * share);
    // Spread over the whole window, not bunched at its start.
    expect(Math.max(...result.delays) - Math.min(...result.delays)).toBeGreaterThan(0.8 * WINDOW);
  }, 60_000);
});
