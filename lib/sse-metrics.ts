import type { SseDisconnectReason } from './sse-client-events.js';

/** Counters since startup, for this instance; export them to Prometheus, StatsD or your logs. */
export interface SseMetrics {
  /** Clients connected now. */
  connectedClients: number;
  /** Streams opened. */
  connects: number;
  /** Streams ended, by why they ended. `slow` counts clients dropped for falling behind. */
  disconnects: Record<SseDisconnectReason, number>;
  /** Reconnects of disconnected clients answered with 204. */
  refused: number;
  /** Connections turned away by `maxClients` or during shutdown. */
  turnedAway: number;
  /** Events sent from this instance (a broadcast counts once, however many clients get it). */
  events: number;
  /** Bytes of frames written to open streams, keepalives and replays included; not the `retry:` written with a stream's head. */
  bytes: number;
}

/** @internal The counters SseService and its clients bump as they go. */
export class MetricsCounters {
  connects = 0;
  refused = 0;
  turnedAway = 0;
  events = 0;
  bytes = 0;
  readonly disconnects: Record<SseDisconnectReason, number> = { client: 0, server: 0, replaced: 0, shutdown: 0, slow: 0 };

  snapshot(connectedClients: number): SseMetrics {
    const { connects, refused, turnedAway, events, bytes } = this;
    return { connectedClients, connects, disconnects: { ...this.disconnects }, refused, turnedAway, events, bytes };
  }
}
