import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const SERVERS = {
  'nestjs-sse': 'this module (Nest 12, Express)',
  bare: 'bare node:http (the floor)',
  'nest-sse': "Nest's built-in @Sse() + Subject",
  'better-sse': 'better-sse channel (Express)',
} as const;
export type ServerName = keyof typeof SERVERS;
/** Servers of a bench of their own, not in the fan-out comparison. */
export type ServerScript = ServerName | 'storm';

/** One bench server in its own process, on an ephemeral loopback port. */
export class ServerProcess {
  private constructor(
    readonly name: ServerScript,
    readonly port: number,
    private readonly child: ChildProcess,
  ) {}

  /** `env` configures the server, e.g. SSE_STORE for this module's. */
  static start(name: ServerScript, env: Record<string, string> = {}): Promise<ServerProcess> {
    const script = fileURLToPath(new URL(`./servers/${name}.js`, import.meta.url));
    const child = spawn(process.execPath, ['--expose-gc', script], {
      env: { ...process.env, ...env, PORT: '0' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    return new Promise((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`${name} server exited with ${code} before it was ready`)));
      child.stdout!.setEncoding('utf8').on('data', (line: string) => {
        const match = /ready (\d+)/.exec(line);
        if (match) resolve(new ServerProcess(name, Number(match[1]), child));
      });
    });
  }

  /** Kills the server first, so the server side holds the TIME_WAIT sockets, not the client. */
  stop(): Promise<void> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null) return resolve();
      this.child.once('exit', () => resolve());
      this.child.kill('SIGKILL');
    });
  }
}
