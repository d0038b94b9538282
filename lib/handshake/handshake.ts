import type { Logger } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ClientLifecycle } from '../clients/client-lifecycle.js';
import { isGone, type SseRequest, type SseResponse, toHttpPair } from '../http/http-pair.js';
import { writeNoContent, writeStreamHead } from '../http/responses.js';
import { StreamConnections, turnOf } from '../http/stream-connections.js';
import { type ClientIds, checkClientId } from '../identity/client-ids.js';
import type { NoReconnectGate } from '../identity/no-reconnect-gate.js';
import type { Metrics } from '../support/metrics.js';
import { assertStreamable, expiryOf, streamMethods } from './admission-checks.js';
import type { Capacity } from './capacity.js';

export interface SseConnectOptions {
  /**
   * The client's id, instead of asking the CLIENT_ID_PROVIDER: for ids that come from what the
   * controller knows (the authenticated user), on any platform. Must stay the same when the same
   * client reconnects, for `disconnect()` to keep it out.
   */
  clientId?: string;
  /**
   * The methods that may open this stream; default `['GET']`. `['POST']` serves fetch-based clients
   * that start a stream with a request body (a prompt), which Nest has parsed before connect() is
   * called. Any other method gets 405 with `Allow` naming these.
   */
  methods?: readonly string[];
  /**
   * When the credential that opened the stream expires (a Date, or epoch ms such as a JWT's
   * `exp * 1000`): the stream ends then, with reason `'expired'` and a short retry, so that the
   * reconnect goes through the guard again. One already past is answered 401. Default: never.
   */
  expiresAt?: Date | number;
}

export interface HandshakeParts {
  clientIds: ClientIds;
  gate: NoReconnectGate;
  capacity: Capacity;
  lifecycle: ClientLifecycle;
  metrics: Metrics;
  logger: Logger;
}

/**
 * Decides what a request for a stream gets, in order: a refusal Nest answers (405, 406), a
 * closed connection (a second stream pipelined on it), 204 (a disconnected client coming back),
 * nothing (it left while the store was asked), a stream that ends at once (shutdown, maxClients),
 * or a stream.
 */
export class Handshake {
  private readonly connections = new StreamConnections();

  constructor(private readonly parts: HandshakeParts) {}

  /** Resolves when the stream has ended, or once the request has been answered otherwise. */
  async admit(request: SseRequest, response: SseResponse, options: SseConnectOptions): Promise<void> {
    const { req, res, takeOver } = toHttpPair(request, response);
    assertStreamable(req, res, streamMethods(options.methods));
    const expiresAt = expiryOf(options.expiresAt);
    // A connection that pipelines a second stream request is closed (see StreamConnections), and
    // one that closes while its request waits its turn is gone: neither is answered.
    if (!this.connections.claim(req, res) || !(await turnOf(req, res))) {
      takeOver();
      return;
    }
    const { clientIds, gate, capacity, lifecycle } = this.parts;
    const given = options.clientId;
    const clientId = given === undefined ? await clientIds.acquire(req, res) : checkClientId(given, 'connect() options.clientId');
    const refused = await gate.isRefused(clientId);
    // The request was aborted while the store was asked.
    if (!refused && isGone(res)) return clientIds.release(clientId, req, res);
    takeOver();
    if (refused) return this.refuse(clientId, req, res);
    if (lifecycle.shuttingDown) return this.turnAway(clientId, req, res, lifecycle.drainFrame());
    if (!capacity.hasRoomFor(clientId)) return this.turnAway(clientId, req, res, capacity.turnedAway());
    capacity.admitted();
    return lifecycle.open(clientId, req, res, expiresAt);
  }

  /** 204 No Content: EventSource stops for good. The id is used up, so the browser's next visit is a new client. */
  private async refuse(clientId: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    // A refusal that cannot be delivered is not used up: the browser's next attempt gets it.
    if (isGone(res)) return;
    // Released before the 204 is written, so a cookie provider can still delete its cookie in it.
    await this.parts.clientIds.release(clientId, req, res);
    await this.parts.gate.forget(clientId);
    if (isGone(res)) return;
    writeNoContent(res);
    this.parts.metrics.refused();
    this.parts.logger.debug(`Client ${clientId} came back after a server disconnect and was refused (204).`);
  }

  /**
   * A 200 that ends at once makes EventSource retry later, with a load balancer likely against
   * another instance; any other status would make it give up for good. Released once the head is
   * out, so a cookie provider keeps the browser's id.
   */
  private turnAway(clientId: string, req: IncomingMessage, res: ServerResponse, frame: Buffer | undefined): Promise<void> {
    writeStreamHead(req, res, frame);
    res.end();
    this.parts.metrics.turnedAway();
    return this.parts.clientIds.release(clientId, req, res);
  }
}
