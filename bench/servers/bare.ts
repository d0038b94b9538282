import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { answer, PORT, readBurst, ready, runBurst, statsBody } from './shared.js';

/** The floor: node:http writing each pre-serialized event to every socket. */
const streams = new Set<ServerResponse>();

const server = createServer((req, res) => {
  if (req.url === '/sse') {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.flushHeaders();
    streams.add(res);
    res.on('close', () => streams.delete(res));
  } else if (req.url?.startsWith('/burst')) {
    const burst = readBurst(req.url);
    runBurst(burst, () => {
      const frame = `data: ${burst.payload}\n\n`;
      for (const stream of streams) stream.write(frame);
    });
    answer(res, 202);
  } else if (req.url === '/stats') {
    answer(res, 200, statsBody());
  } else answer(res, 404);
});

server.listen(PORT, '127.0.0.1', () => ready((server.address() as AddressInfo).port));
