import { createConnection } from 'node:net';

/** The shared Redis of these machines (CI starts one; see .ci/run). */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Fails, never skips, when Redis is down: a Redis test that skips silently proves nothing. */
export function assertRedisReachable(url: string): Promise<void> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: hostname, port: Number(port || 6379) });
    socket.setTimeout(2000);
    socket.once('connect', () => {
      socket.end();
      resolve();
    });
    const fail = () => {
      socket.destroy();
      reject(new Error(`Redis is not reachable at ${url}. Start one (redis-server) or set REDIS_URL; .ci/run does this in CI.`));
    };
    socket.once('error', fail);
    socket.once('timeout', fail);
  });
}
