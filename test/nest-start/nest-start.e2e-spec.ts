import { afterEach, describe, expect, it } from '@jest/globals';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { untilLine } from '../utils/child-process.js';

/** `nest start` at the top level runs the sample, as Nest users run their apps (nest-cli.json). */
describe('nest start', () => {
  let nest: ChildProcess | undefined;
  afterEach(() => {
    // The CLI runs the app as a child of its own: end the whole group.
    if (nest?.pid !== undefined && nest.exitCode === null) process.kill(-nest.pid, 'SIGKILL');
  });

  it('compiles and runs the sample against the built package', async () => {
    expect(existsSync('dist/index.js') ? 'built' : 'dist/ is missing: run npm run build first').toBe('built');
    nest = spawn(process.execPath, ['node_modules/@nestjs/cli/bin/nest.js', 'start'], {
      env: { ...process.env, PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const line = await untilLine(nest, /open http:\/\/localhost:(\d+)\//, 'nest start', [], 60_000);
    const port = /localhost:(\d+)/.exec(line)![1];
    const page = await fetch(`http://127.0.0.1:${port}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('new EventSource(');
  }, 90_000);
});
