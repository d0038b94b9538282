import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

/** Debian's Chromium (.ci/run installs it); never a downloaded browser. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Chromium with a fresh profile, so that nothing is cached or remembered from another run: a
 * first visit is a first visit. `extraFlags`, e.g. `--ignore-certificate-errors` for a throwaway certificate.
 */
export async function launchChromium(
  extraFlags: string[] = [],
): Promise<{ context: BrowserContext; profile: string; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'nestjs-sse-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: [...FLAGS, ...extraFlags],
    viewport: { width: 1100, height: 720 },
  });
  return {
    context,
    profile,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
