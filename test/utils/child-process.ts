import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

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
export function untilLine(child: ChildProcess, pattern: RegExp, what: string, output: string[] = [], timeout = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const said = () => `${what} printed no line matching ${pattern} within ${timeout / 1000} s:\n${output.join('\n')}`;
    const timer = setTimeout(() => fail(new Error(said())), timeout);
    const fail = (error: Error) => {
      clearTimeout(timer);
      reject(error);
    };
    child.once('exit', (code) => fail(new Error(`${what} exited with ${code} first. ${said()}`)));
    child.once('error', fail);
    collectLines(child, output, (line) => {
      if (!pattern.test(line)) return;
      clearTimeout(timer);
      resolve(line);
    });
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
