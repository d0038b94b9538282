import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { BrowserContext } from 'playwright-core';
import { launchChromium } from '../utils/chromium.js';
import { type SseApp, startSseApp } from '../utils/sse-app.js';
import { delay, waitFor } from '../utils/wait.js';
import { DashboardModule, QUIET, STREAMS } from './dashboard.js';

// Over HTTP/2 every stream of the page shares one connection, so all twelve start at once.
describe('HTTP/2 in Chromium: a dozen streams opened at once on a first visit', () => {
  let browser: BrowserContext;
  let closeBrowser: () => Promise<void>;
  let sseApp: SseApp | undefined;
  beforeAll(async () => {
    ({ context: browser, close: closeBrowser } = await launchChromium(['--ignore-certificate-errors']));
  });
  afterEach(() => sseApp?.close());
  afterAll(() => closeBrowser?.());

  it('share the cookie the page came with, so disconnect() ends any of them for good: one 204, then CLOSED', async () => {
    sseApp = await startSseApp({ http2: true, imports: [DashboardModule] });
    const statuses = new Map<string, number[]>();
    const page = await browser.newPage();
    page.on('response', (response) => {
      const tab = /sse_tab=(\w+)/.exec(response.url())?.[1];
      if (tab) statuses.set(tab, [...(statuses.get(tab) ?? []), response.status()]);
    });
    await page.goto(`${sseApp.url}/dashboard`);
    await waitFor(() => sseApp!.sse.getClients().length === STREAMS, 15_000);
    expect(await page.evaluate('location.protocol')).toBe('https:');

    const ids = sseApp.sse.getClients().map((client) => client.id);
    const browsers = new Set(ids.map((id) => id.split('.')[0]));
    expect(browsers.size).toBe(1);

    await sseApp.sse.disconnect(`${[...browsers][0]}.w5`);
    await waitFor(async () => (await page.evaluate('states.w5')) === 'closed', 10_000);
    await delay(QUIET);
    expect(statuses.get('w5')).toEqual([200, 204]);
    expect(await page.evaluate('states.w5')).toBe('closed');
    expect(sseApp.sse.getClients()).toHaveLength(STREAMS - 1);
  }, 60_000);
});
