import type { SseBackplane } from '../backplane/backplane.interface.js';
import type { SseEventLog } from '../event-log/event-log.interface.js';
import type { NoReconnectStore } from '../no-reconnect/no-reconnect-store.interface.js';
import { BACKPLANE, EVENT_LOG, NO_RECONNECT_STORE } from '../sse.constants.js';
import { messageOf } from '../support/error-text.js';
import type { OutageLog } from '../support/outage-log.js';
import type { SseCallOptions } from '../support/timeout.js';

/** How one dependency answered the health check. */
export interface SseDependencyHealth {
  /** `down` when it failed or did not answer within `storeTimeout`. */
  status: 'up' | 'down';
  /** Why it is down. */
  error?: string;
}

/**
 * What SseService.checkHealth found: `down` when any dependency in use is. The shape is that of
 * a @nestjs/terminus indicator's details, so SseHealthIndicator hands it over as it is.
 */
export interface SseHealth {
  /** `down` when any dependency below is. */
  status: 'up' | 'down';
  /** The NO_RECONNECT_STORE, asked whether it holds an id. */
  store: SseDependencyHealth;
  /** The EVENT_LOG, when there is one. */
  eventLog?: SseDependencyHealth;
  /** The BACKPLANE, when there is one. */
  backplane?: SseDependencyHealth;
}

/** An id no client gets: the providers make UUIDs, and ids with a NUL cannot come from a cookie or URL. */
const PROBE_ID = 'nestjs-sse\u0000health-probe';

interface Probed {
  outage: OutageLog;
  /** Asks the dependency now; without it, its outage state as of its last call is the answer. */
  ask?: (options: SseCallOptions) => unknown;
  what: string;
}

/** Asks each dependency in use whether it can serve now, within the store timeout, through its outage log. */
export class HealthCheck {
  constructor(
    private readonly ports: { store: NoReconnectStore; log: SseEventLog | null; backplane: SseBackplane | null },
    private readonly outages: { store: OutageLog; eventLog: OutageLog; backplane?: OutageLog },
    private readonly timeout: number,
  ) {}

  async check(): Promise<SseHealth> {
    const { store, log, backplane } = this.ports;
    const [storeHealth, eventLog, backplaneHealth] = await Promise.all([
      this.probe({ outage: this.outages.store, ask: () => store.containsClientId(PROBE_ID), what: NO_RECONNECT_STORE }),
      log ? this.probe({ outage: this.outages.eventLog, ask: log.ping && ((options) => log.ping!(options)), what: EVENT_LOG }) : undefined,
      backplane && this.outages.backplane
        ? this.probe({ outage: this.outages.backplane, ask: backplane.ping && ((options) => backplane.ping!(options)), what: BACKPLANE })
        : undefined,
    ]);
    const all = [storeHealth, eventLog, backplaneHealth].filter((health) => health !== undefined);
    const status = all.every((health) => health.status === 'up') ? 'up' : 'down';
    return { status, store: storeHealth, ...(eventLog && { eventLog }), ...(backplaneHealth && { backplane: backplaneHealth }) };
  }

  private async probe({ outage, ask, what }: Probed): Promise<SseDependencyHealth> {
    if (!ask) return outage.isDown ? { status: 'down', error: outage.reason } : { status: 'up' };
    try {
      await outage.track(ask, this.timeout, `${what} health check`);
      return { status: 'up' };
    } catch (error) {
      return { status: 'down', error: messageOf(error) };
    }
  }
}
