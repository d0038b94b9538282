import { type ChildProcess, spawn } from 'node:child_process';
import { freePort, untilLine } from './child-process.js';

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

  /** Freezes it (SIGSTOP): connections stay open and commands wait unanswered, as with a Redis that hangs. */
  pause(): void {
    this.process?.kill('SIGSTOP');
  }

  /** Lets a paused server go on (SIGCONT); it then runs what was sent to it meanwhile. */
  resume(): void {
    this.process?.kill('SIGCONT');
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
