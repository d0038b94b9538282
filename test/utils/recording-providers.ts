import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  CookieClientIdProvider,
  InMemoryEventLog,
  InMemoryNoReconnectStore,
  type SseEventLog,
  type SseEventToLog,
  type SseMissedEvents,
} from '../../lib/index.js';

/** The real cookie provider, recording which ids it was asked to release. */
export class RecordingCookieProvider extends CookieClientIdProvider {
  readonly released: string[] = [];

  override releaseClientId(clientId: string, req: IncomingMessage, res: ServerResponse): void {
    this.released.push(clientId);
    super.releaseClientId(clientId, req, res);
  }
}

/** The real in-memory store, with a slow or failing addClientId when a test needs one. */
export class ControllableStore extends InMemoryNoReconnectStore {
  addDelay = 0;
  failAdds = false;
  failLookups = false;
  /** Every call waits forever, like a store behind a network that drops packets. */
  hang = false;
  readonly added: string[] = [];

  override async addClientId(clientId: string, ttl?: number): Promise<void> {
    if (this.hang) await new Promise(() => undefined);
    if (this.addDelay > 0) await new Promise((resolve) => setTimeout(resolve, this.addDelay));
    if (this.failAdds) throw new Error('store is down');
    this.added.push(clientId);
    return super.addClientId(clientId, ttl);
  }

  override async containsClientId(clientId: string): Promise<boolean> {
    if (this.hang) await new Promise(() => undefined);
    if (this.failLookups) throw new Error('store is down');
    return super.containsClientId(clientId);
  }
}

export function cookieOf(setCookie: string[] | undefined, name = 'sse_client_id'): string {
  const cookie = setCookie?.find((c) => c.startsWith(`${name}=`));
  if (!cookie) throw new Error(`no ${name} cookie in ${JSON.stringify(setCookie)}`);
  return cookie.split(';')[0]!;
}

/**
 * A real InMemoryEventLog behind a network-like delay, or failing, as a remote log can. Answers
 * are taken when the delay ends, so events logged meanwhile are in them, unless `sinceAtCall`.
 */
export class SlowEventLog implements SseEventLog {
  readonly inner = new InMemoryEventLog();
  /** Delay of each append in turn (the last one repeats); decreasing delays answer out of order. */
  appendDelays = [0];
  sinceDelay = 0;
  /** Read since() when it is called, as a log whose read reached the store before later appends did. */
  sinceAtCall = false;
  mode: 'ok' | 'reject' | 'hang' = 'ok';
  private appends = 0;

  append(event: SseEventToLog): Promise<string> {
    const wait = this.appendDelays[Math.min(this.appends++, this.appendDelays.length - 1)]!;
    return this.answer(wait, () => this.inner.append(event));
  }

  since(lastEventId: string): Promise<SseMissedEvents> {
    const early = this.sinceAtCall ? this.inner.since(lastEventId) : undefined;
    return this.answer(this.sinceDelay, () => (this.sinceAtCall ? early : this.inner.since(lastEventId)));
  }

  private answer<T>(wait: number, value: () => T): Promise<T> {
    if (this.mode === 'hang') return new Promise(() => undefined);
    return new Promise((resolve, reject) =>
      setTimeout(() => (this.mode === 'reject' ? reject(new Error('log unreachable')) : resolve(value())), wait),
    );
  }
}
