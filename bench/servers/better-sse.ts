import { createChannel, createSession } from 'better-sse';
import express from 'express';
import type { AddressInfo } from 'node:net';
import { PORT, readBurst, ready, runBurst, statsBody } from './shared.js';

/** better-sse's channel broadcast on Express, with an identity serializer so no JSON work is added. */
const channel = createChannel();
const app = express();

app.get('/sse', async (req, res) => {
  const session = await createSession(req, res, { serializer: (data: unknown) => String(data), keepAlive: null });
  channel.register(session);
});
app.get('/burst', (req, res) => {
  const burst = readBurst(req.url);
  runBurst(burst, () => channel.broadcast(burst.payload));
  res.status(202).end();
});
app.get('/stats', (_req, res) => {
  res.type('application/json').send(statsBody());
});

const server = app.listen(PORT, '127.0.0.1', () => ready((server.address() as AddressInfo).port));
