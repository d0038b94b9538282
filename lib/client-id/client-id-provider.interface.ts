import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Decides who a connection is. The id must stay the same when the same browser reconnects,
 * or a disconnected client cannot be recognised and refused.
 */
export interface ClientIdProvider {
  /** Called for every connection attempt, before anything is written, so headers can still be set. */
  acquireClientId(req: IncomingMessage, res: ServerResponse): string | Promise<string>;
  /**
   * Called when the id no longer stands for a live client here: after the client left on its
   * own, when the application shuts down, and on the refused (204) reconnect, where a cookie can
   * still be deleted. Not called after a server disconnect, so the id survives until the
   * browser's refused reconnect, nor for a client replaced by a newer connection with its id.
   */
  releaseClientId(clientId: string, req: IncomingMessage, res: ServerResponse): void | Promise<void>;
}
