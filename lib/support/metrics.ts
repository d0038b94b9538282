import type { SseDisconnectReason } from './disconnect-reason.js';

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
  /** Bytes of frames written to open streams, keepalives and replays included; not the first frame written with a stream's head (its `retry:`, or an empty comment). */
  bytes: number;
  /** Events written to resuming clients from the event log, counted once per client. */
  replayed: number;
  /** Times each dependency became unreachable (see "Outages" in the README). */
  outages: SseOutageCounts;
}

/** Outages since startup, per dependency; 0 for one the app does not use. */
export interface SseOutageCounts {
  /** The NO_RECONNECT_STORE. */
  store: number;
  /** The EVENT_LOG. */
  eventLog: number;
  /** The BACKPLANE. */
  backplane: number;
}

/** The counters behind getMetrics(), bumped by what happens rather than written to from outside. */
export class Metrics {
  private connects = 0;
  private refusals = 0;
  private turnedAways = 0;
  private events = 0;
  private bytes = 0;
  private replays = 0;
  private readonly disconnects: Record<SseDisconnectReason, number> = {
    client: 0,
    server: 0,
    replaced: 0,
    shutdown: 0,
    slow: 0,
    expired: 0,
  };

  connected(): void {
    this.connects++;
  }

  disconnected(reason: SseDisconnectReason): void {
    this.disconnects[reason]++;
  }

  refused(): void {
    this.refusals++;
  }

  turnedAway(): void {
    this.turnedAways++;
  }

  sent(): void {
    this.events++;
  }

  wrote(bytes: number): void {
    this.bytes += bytes;
  }

  replayed(events: number): void {
    this.replays += events;
  }

  snapshot(connectedClients: number, outages: SseOutageCounts): SseMetrics {
    return {
      connectedClients,
      connects: this.connects,
      disconnects: { ...this.disconnects },
      refused: this.refusals,
      turnedAway: this.turnedAways,
      events: this.events,
      bytes: this.bytes,
      replayed: this.replays,
      outages,
    };
  }
}
