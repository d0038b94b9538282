import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

interface VitestReport {
  numTotalTests: number;
  numPassedTests: number;
  testResults: { assertionResults: { fullName: string; status: string }[] }[];
}

// nestjs-sse/testing is for users' own stores and logs, whichever runner they use. The jest side
// is the built-in ports' own specs; this runs the same contracts under vitest.
describe('nestjs-sse/testing under vitest', () => {
  it('runs both contracts against the in-memory store and log, and they pass', async () => {
    const out = mkdtempSync(join(tmpdir(), 'nestjs-sse-vitest-'));
    try {
      const report = join(out, 'report.json');
      const vitest = fileURLToPath(new URL('../../node_modules/vitest/vitest.mjs', import.meta.url));
      const args = [vitest, 'run', '--config', here('./vitest/vitest.config.ts'), '--outputFile', report];
      await new Promise<void>((resolve, reject) =>
        execFile(process.execPath, args, { cwd: here('./vitest') }, (error, _stdout, stderr) =>
          error ? reject(new Error(`vitest failed: ${stderr}`)) : resolve(),
        ),
      );
      const result = JSON.parse(readFileSync(report, 'utf8')) as VitestReport;
      const names = result.testResults.flatMap(({ assertionResults }) => assertionResults.map(({ fullName }) => fullName));
      expect(result.numPassedTests).toBe(result.numTotalTests);
      expect(names.filter((name) => name.includes('(NoReconnectStore contract)')).length).toBeGreaterThanOrEqual(10);
      expect(names.filter((name) => name.includes('(SseEventLog contract)')).length).toBeGreaterThanOrEqual(5);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 60_000);
});
