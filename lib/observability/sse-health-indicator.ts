import { Injectable } from '@nestjs/common';
import { SseService } from '../sse.service.js';
import type { SseHealth } from './health-check.js';

/**
 * A readiness check for @nestjs/terminus, which SseModule provides: reports the no-reconnect
 * store, the event log and the backplane, and is `down` when one of them is. It imports nothing
 * from Terminus; its result has the shape of a Terminus indicator's.
 *
 * @example
 * ```ts
 * @Get('ready')
 * @HealthCheck()
 * ready() {
 *   return this.health.check([() => this.sseHealth.isHealthy('sse')]);
 * }
 * ```
 */
@Injectable()
export class SseHealthIndicator {
  constructor(private readonly sse: SseService) {}

  /** `{ [key]: SseHealth }`: Terminus counts the check failed when its `status` is `down`. */
  async isHealthy<const Key extends string = 'sse'>(key: Key = 'sse' as Key): Promise<Record<Key, SseHealth>> {
    return { [key]: await this.sse.checkHealth() } as Record<Key, SseHealth>;
  }
}
