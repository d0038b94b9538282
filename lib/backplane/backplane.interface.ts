import type { SseCallOptions } from '../support/timeout.js';

/**
 * Carries SseService's messages between the instances of one application, so that broadcasts,
 * group and client sends, disconnects and client counts reach clients connected to any of them.
 * Set it with the `backplane` option of SseModule.forRoot, e.g. `new RedisBackplane({ url })`.
 */
export interface SseBackplane {
  /** Called once, at startup, with the handler for every message from now on (this instance's own included). */
  subscribe(onMessage: (message: string) => void): Promise<void>;
  /**
   * Sends `message` to every subscribed instance; resolves to how many received it, this one
   * included. A publish still pending at `options.deadline` counts as failed (a question
   * rejects, an event is lost to the other instances), so it must not be delivered later.
   */
  publish(message: string, options?: SseCallOptions): Promise<number>;
  /**
   * Optional, for health checks (SseService.checkHealth): resolves when the backplane can carry
   * messages now, rejects when it cannot. Without it, the health check reports the outage state
   * of the last publish.
   */
  ping?(options?: SseCallOptions): Promise<void>;
  /**
   * Optional: called once, before `subscribe`, by a named SseService (SseModule.forRoot({ name })),
   * so that a backplane its app shares with other services carries its messages apart from
   * theirs, e.g. on a channel of its own.
   */
  forService?(name: string): void;
}
