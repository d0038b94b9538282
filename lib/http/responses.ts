import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Sends the status and headers at once, with a first frame, so the client's `open` fires before any event. Headers
 * that middleware set earlier (CORS, Set-Cookie from the id provider) go out with them.
 */
export function writeStreamHead(req: IncomingMessage, res: ServerResponse, firstFrame?: Buffer): void {
  res.setHeader('Content-Type', 'text/event-stream');
  // no-transform keeps compression middleware and proxies from buffering the stream.
  res.setHeader('Cache-Control', 'no-cache, no-transform');
  res.setHeader('X-Accel-Buffering', 'no');
  // Connection is left to Node, which says keep-alive unless the client asked to close or the
  // body ends with the connection (HTTP/1.0); claiming keep-alive then would make the client
  // reuse a connection the server is closing, and its next request would get a 400.
  res.removeHeader('Content-Length');
  res.writeHead(200);
  tuneSocket(req);
  // Firefox fires EventSource's open only once body bytes arrive, not on the headers alone: without
  // a retry to write first, an empty comment (which pages never see) goes out with the head.
  res.write(firstFrame ?? OPENING_COMMENT);
}

const OPENING_COMMENT = Buffer.from(':\n\n');

export function writeNoContent(res: ServerResponse): void {
  res.writeHead(204);
  res.end();
}

function tuneSocket(req: IncomingMessage): void {
  const socket = req.socket;
  if (!socket || typeof socket.setNoDelay !== 'function') return;
  socket.setNoDelay(true);
  socket.setKeepAlive(true);
  // An idle stream between keepalives must not trip a socket timeout.
  socket.setTimeout(0);
}

/**
 * Calls `onGone` once, when the response or the connection under it closes, and resolves then.
 * Both are watched: which of them reports first differs between HTTP/1 and HTTP/2, Express and
 * Fastify, and a connection that dies in mid-write.
 */
export function watchClose(req: IncomingMessage, res: ServerResponse, onGone: () => void): Promise<void> {
  const socket = req.socket;
  return new Promise((resolve) => {
    const gone = () => {
      res.off('close', gone);
      socket?.off('close', gone);
      onGone();
      resolve();
    };
    res.once('close', gone);
    socket?.once('close', gone);
  });
}
