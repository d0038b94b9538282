import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * At most one event stream per HTTP/1.x connection, open or waiting its turn.
 *
 * HTTP/1.1 answers the requests of one connection in order, and a stream never finishes, so a
 * request pipelined behind a stream could only be answered once that stream ends. Serving such
 * requests would let one connection hold as many streams as it pipelines requests, each queueing
 * what it is sent in a response that has no socket to drain it. Browsers never pipeline, so a
 * connection that asks for a second stream is closed instead. HTTP/2 multiplexes its streams and
 * is not limited.
 */
export class StreamConnections {
  /** The response of the stream each connection carries, or carried: one that ended frees it. */
  private readonly streams = new WeakMap<Socket, ServerResponse>();

  /**
   * Reserves the request's connection for its stream. False, with the connection destroyed, when
   * the connection already carries a stream that has not ended.
   */
  claim(req: IncomingMessage, res: ServerResponse): boolean {
    const socket = req.socket as Socket | null;
    if (req.httpVersionMajor !== 1 || !socket) return true;
    const carried = this.streams.get(socket);
    if (carried !== undefined && !carried.writableEnded && !carried.destroyed) {
      socket.destroy();
      return false;
    }
    this.streams.set(socket, res);
    return true;
  }
}

/**
 * Resolves true once `res` may write, or false if its connection closes first. A pipelined
 * response waits behind the ones before it: Node gives it the socket (and a 'socket' event)
 * only when they have finished. Until then it is not a stream, and nothing is written to it.
 */
export function turnOf(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const socket = req.socket as Socket | null;
  if (res.socket || req.httpVersionMajor !== 1 || !socket) return Promise.resolve(true);
  if (socket.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => {
    const settle = (turn: boolean) => () => {
      res.off('socket', onTurn);
      socket.off('close', onClose);
      resolve(turn);
    };
    const onTurn = settle(true);
    const onClose = settle(false);
    res.once('socket', onTurn);
    socket.once('close', onClose);
  });
}
