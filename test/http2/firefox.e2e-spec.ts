import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';
import { type SseApp, startSseApp } from '../utils/sse-app.js';
import { delay, waitFor } from '../utils/wait.js';
import { DashboardModule, QUIET, STREAMS } from './dashboard.js';

/** Debian's Firefox ESR (.ci/run installs it), driven over WebDriver BiDi; never a downloaded browser. */
const FIREFOX = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';

// The same page as first-visit.e2e-spec.ts, in the other engine: Firefox keeps six connections
// per origin over HTTP/1.1 too, and multiplexes over h2.
describe('HTTP/2 in Firefox: a dozen streams on one page', () => {
  let browser: Browser;
  let profile: string;
  let sseApp: SseApp | undefined;
  beforeAll(async () => {
    profile = mkdtempSync(join(tmpdir(), 'nestjs-sse-firefox-'));
    browser = await puppeteer.launch({ browser: 'firefox', executablePath: FIREFOX, userDataDir: profile, acceptInsecureCerts: true });
  }, 60_000);
  afterEach(() => sseApp?.close());
  afterAll(async () => {
    await browser?.close();
    rmSync(profile, { recursive: true, force: true });
  });

  it('opens all of them at once over one h2 connection, and disconnect() ends one for good', async () => {
    sseApp = await startSseApp({ http2: true, imports: [DashboardModule] });
    const page = await browser.newPage();
    await page.goto(`${sseApp.url}/dashboard`);
    await waitFor(() => sseApp!.sse.getClients().length === STREAMS, 15_000);
    expect(await page.evaluate("performance.getEntriesByType('navigation')[0].nextHopProtocol")).toBe('h2');
    const states = () => page.evaluate('Object.values(states)') as Promise<string[]>;
    // The page hears of each stream a moment after the server has it.
    await waitFor(async () => (await states()).filter((state) => state === 'open').length === STREAMS, 10_000);

    const ids = sseApp.sse.getClients().map((client) => client.id);
    expect(new Set(ids.map((id) => id.split('.')[0])).size).toBe(1);
    await sseApp.sse.disconnect(ids.find((id) => id.endsWith('.w5'))!);
    const w5 = () => page.evaluate('states.w5');
    await waitFor(async () => (await w5()) === 'closed', 10_000);
    await delay(QUIET);
    expect(await w5()).toBe('closed');
    expect(sseApp.sse.getClients()).toHaveLength(STREAMS - 1);
    expect((await states()).filter((state) => state === 'open')).toHaveLength(STREAMS - 1);
  }, 60_000);
});
