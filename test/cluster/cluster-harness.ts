import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const LOADER = here('../utils/ts-loader/register.mjs');
const INSTANCE = here('./instance.ts');

/** A redis-server of this test's own, on a free port, that the test may stop and start again. */
export class PrivateRedis {
  private process?: ChildProcess;

  private constructor(readonly port: number) {}

  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort());
    await redis.start();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.process = child;
    await untilLine(child, /Ready to accept connections/, `redis-server on port ${this.port}`);
  }

  /** Kills it the way a crash or a network cut would: no goodbye to the clients. */
  async stop(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}

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

function collectLines(child: ChildProcess, into: string[], onLine?: (line: string) => void): void {
  for (const stream of [child.stdout!, child.stderr!]) {
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        into.push(line);
        onLine?.(line);
      }
    });
  }
}

/** Collects what `child` prints into `output`, and resolves with the first line that matches `pattern`. */
function untilLine(child: ChildProcess, pattern: RegExp, what: string, output: string[] = []): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`${what} did not start within 20 s:\n${output.join('\n')}`)), 20_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      reject(error);
    };
    child.once('exit', (code) => fail(new Error(`${what} exited with ${code} before it was ready:\n${output.join('\n')}`)));
    child.once('error', fail);
    collectLines(child, output, (line) => {
      if (!pattern.test(line)) return;
      clearTimeout(timer);
      resolve(line);
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
