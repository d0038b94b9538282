import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One real HTTP exchange on loopback: the server's request and response, and what the client got. */
export interface Loopback {
  req: IncomingMessage;
  res: ServerResponse;
  /** The status the client got, once the head arrived. */
  status(): Promise<number>;
  /** Everything the client received on the body so far. */
  received(): string;
  /** Resolves when the response ended or the connection closed. */
  ended: Promise<void>;
  /** Cuts the client's connection, as a browser that goes away. */
  leave(): void;
  close(): Promise<void>;
}

/** Opens a request to a server of its own and hands over both ends, for specs of what writes to a response. */
export async function loopback(headers: Record<string, string> = { accept: 'text/event-stream' }, path = '/events'): Promise<Loopback> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const pair = new Promise<[IncomingMessage, ServerResponse]>((resolve) => server.once('request', (req, res) => resolve([req, res])));
  let text = '';
  let endedNow!: () => void;
  const ended = new Promise<void>((resolve) => (endedNow = resolve));
  const client = request({ host: '127.0.0.1', port, path, headers });
  const head = new Promise<number>((resolve) =>
    client.on('response', (response) => {
      resolve(response.statusCode ?? 0);
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', endedNow);
      response.on('close', endedNow);
    }),
  );
  client.on('error', () => endedNow());
  client.on('close', () => endedNow());
  client.end();
  const [req, res] = await pair;
  return {
    req,
    res,
    status: () => head,
    received: () => text,
    ended,
    leave: () => client.destroy(),
    close: async () => {
      client.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * Loopback exchanges for one spec file, as a client named `client` (the x-client header, see
 * HeaderClientIds) would open them; `closeAll` in afterEach closes what a test left open.
 */
export function streamRequests() {
  const exchanges: Loopback[] = [];
  return {
    async open(client: string, headers: Record<string, string> = {}): Promise<Loopback> {
      const exchange = await loopback({ accept: 'text/event-stream', 'x-client': client, ...headers });
      exchanges.push(exchange);
      return exchange;
    },
    closeAll: () => Promise.all(exchanges.splice(0).map((exchange) => exchange.close())),
  };
}
