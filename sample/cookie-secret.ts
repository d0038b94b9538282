import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';

/**
 * The secret that signs client ids, so that nobody can take over a page's stream by setting its
 * id as a cookie. Instances behind one load balancer must share it, or each would refuse the
 * ids the others signed; a single instance may make one up, at the cost of new ids after a restart.
 */
export function cookieSecret(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SSE_COOKIE_SECRET) return env.SSE_COOKIE_SECRET;
  if (env.REDIS_URL) {
    throw new Error(
      'The sample runs as a cluster (REDIS_URL is set), so its instances must sign ids alike: set SSE_COOKIE_SECRET ' +
        'to the same random string of at least 32 characters on each, e.g. node -p "crypto.randomBytes(32).toString(\'base64url\')".',
    );
  }
  new Logger('Sample').warn(
    'SSE_COOKIE_SECRET is not set: client ids are signed with a secret made up at startup, which a restart forgets.',
  );
  return randomBytes(32).toString('base64url');
}
