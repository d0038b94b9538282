import { type ChildProcess, spawn } from 'node:child_process';
import { untilLine } from '../utils/child-process.js';
import { fileURLToPath } from 'node:url';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const LOADER = here('../utils/ts-loader/register.mjs');
const INSTANCE = here('./instance.ts');

/** One app instance (test/cluster/instance.ts) in its own process. */
export class Instance {
  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
    readonly url: string,
    /** Everything it printed, stdout and stderr, line by line. */
    readonly output: string[],
  ) {}

  static async start(name: string, env: Record<string, string>): Promise<Instance> {
    const child = spawn(process.execPath, ['--import', LOADER, INSTANCE], {
      env: { ...process.env, ...env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    const line = await untilLine(child, /^LISTENING (\d+)$/, `instance ${name}`, output);
    return new Instance(name, child, `http://127.0.0.1:${/(\d+)$/.exec(line)![1]}`, output);
  }

  /** Lines it logged that match `pattern`. */
  logged(pattern: RegExp): string[] {
    return this.output.filter((line) => pattern.test(line));
  }

  async post<T>(path: string): Promise<{ status: number; body: T }> {
    return this.request<T>(path, 'POST');
  }

  async get<T>(path: string): Promise<{ status: number; body: T }> {
    return this.request<T>(path, 'GET');
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }

  private async request<T>(path: string, method: string): Promise<{ status: number; body: T }> {
    const response = await fetch(`${this.url}${path}`, { method });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  }
}
