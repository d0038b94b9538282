import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { SseService } from '../../lib/index.js';
import { AppModule } from '../../sample/app.module.js';
import { ANSWER } from '../../sample/ask.controller.js';
import { launchChromium } from '../utils/chromium.js';
import { createApp, PLATFORM } from '../utils/sse-app.js';
import { delay, waitFor } from '../utils/wait.js';

/** How long the page must stay closed after the 204 to show EventSource gave up for good. */
const QUIET = 4000;

describe('a real browser against the sample app', () => {
  let browser: BrowserContext;
  let profile: string;
  let closeBrowser: () => Promise<void>;
  let app: INestApplication;
  /** Status of every /events request the server answered, by the tab that made it, in order. */
  const streams = new Map<string, number[]>();
  const statusesOf = (tab: string) => streams.get(tab) ?? [];

  beforeAll(async () => {
    ({ context: browser, profile, close: closeBrowser } = await launchChromium());
  });
  afterAll(() => closeBrowser?.());
  afterEach(() => app?.close());

  async function startSample(): Promise<string> {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = createApp(moduleRef);
    // Counted as the server answers them, heads included, whatever the page does with them.
    app.use((req: IncomingMessage, res: ServerResponse, next: () => void) => {
      const tab = /^\/events\?sse_tab=(\w+)$/.exec(req.url ?? '')?.[1];
      if (tab) res.once('close', () => streams.set(tab, [...statusesOf(tab), res.statusCode]));
      next();
    });
    await app.listen(0, '127.0.0.1');
    return (await app.getUrl()).replace('[::1]', '127.0.0.1');
  }

  async function openTab(url: string): Promise<{ page: Page; tab: string; clientId: string }> {
    const page = await browser.newPage();
    await page.goto(url);
    await page.locator('#state[data-state="open"]').waitFor();
    await page.locator('#client-id', { hasText: /-/ }).waitFor();
    const clientId = await page.locator('#client-id').innerText();
    return { page, tab: clientId.split('.')[1]!, clientId };
  }

  it('chats, joins and leaves a group, and a tab disconnected by another stays CLOSED while the other keeps its id', async () => {
    const url = await startSample();
    const first = await openTab(url);
    const { page } = first;
    await page.locator('#text').fill('hello from the browser test');
    await page.locator('#say button').click();
    await page.locator('#log', { hasText: 'chat: hello from the browser test' }).waitFor();
    await page.locator('#my-groups', { hasText: 'lobby' }).waitFor();
    await page.locator('#group').fill('room-1');
    await page.locator('#join').click();
    await page.locator('#my-groups', { hasText: 'lobby, room-1' }).waitFor();
    await page.locator('#group-text').fill('only the room hears this');
    await page.locator('#say-group').click();
    await page.locator('#log', { hasText: 'chat in room-1: only the room hears this' }).waitFor();
    await page.locator('#leave').click();
    await page.locator('#my-groups', { hasText: /^lobby$/ }).waitFor();
    // A question streams its answer back on a POST, read by the page's own fetch reader.
    await page.locator('#question').fill('how?');
    await page.locator('#ask button').click();
    await page.locator('#answer', { hasText: ANSWER }).waitFor({ timeout: 15_000 });
    expect(await page.locator('#answer').innerText()).toBe(ANSWER);

    // A second tab of the same browser: both are listed on each, and the first ends the second.
    const second = await openTab(url);
    expect(second.clientId.split('.')[0]).toBe(first.clientId.split('.')[0]);
    await page.locator('#refresh').click();
    await page.locator('#tabs tr', { hasText: second.clientId }).waitFor();
    await page.locator('#tabs tr.you').waitFor();
    // `npm run docs:screenshot` refreshes the README's picture; other runs keep the tree clean.
    const shot = process.env.UPDATE_SCREENSHOT === '1' && PLATFORM === 'express' ? 'docs/sample.png' : join(profile, 'sample.png');
    expect((await page.screenshot({ path: shot })).length).toBeGreaterThan(10_000);

    await page.locator('#tabs tr', { hasText: second.clientId }).locator('button').click();
    await second.page.locator('#state[data-state="closed"]').waitFor();
    expect(await second.page.evaluate('source.readyState')).toBe(2);
    await delay(QUIET);
    // The disconnected stream (200, ended by the server), then the one refused reconnect.
    expect(statusesOf(second.tab)).toEqual([200, 204]);
    expect(await second.page.evaluate('source.readyState')).toBe(2);
    expect(await second.page.locator('#log').innerText()).toContain('stream closed for good');

    // The first tab loses its connection and comes back under the id it had: the refused tab
    // did not take the browser's cookie with it.
    app.get(SseService).getClient(first.clientId)!.response.destroy();
    await page.locator('#log', { hasText: 'stream lost, reconnecting' }).waitFor();
    await page.locator('#state[data-state="open"]').waitFor();
    await waitFor(() => app.get(SseService).getClient(first.clientId)?.isConnected === true);
    // Its first stream ended (200); the one it reconnected with is still open.
    expect(statusesOf(first.tab)).toEqual([200]);
    await page.locator('#text').fill('still here');
    await page.locator('#say button').click();
    await page.locator('#log', { hasText: 'chat: still here' }).waitFor();
    expect(await page.locator('#client-id').innerText()).toBe(first.clientId);
  }, 60_000);
});
