import { afterEach, describe, expect, it } from '@jest/globals';
import { Controller, Get, Req, Res } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { filter, first } from 'rxjs';
import { CookieClientIdProvider, InMemoryNoReconnectStore, SseService } from '../../lib/index.js';
import { parseEvents, RawConnection, readChunked } from '../utils/raw-connection.js';
import { SlowController } from '../utils/slow-controller.js';
import { type SseApp, startSseApp } from '../utils/sse-app.js';
import { delay, waitFor } from '../utils/wait.js';

/** Application code that ends the response itself, in the same tick as a broadcast. */
@Controller()
class SelfEndingController {
  constructor(private readonly sse: SseService) {}

  @Get('ends-itself')
  stream(@Req() req: IncomingMessage, @Res() res: ServerResponse): Promise<void> {
    this.sse.clientConnected$
      .pipe(
        filter((event) => event.request === nodeOf(req)),
        first(),
      )
      .subscribe(() => {
        void this.sse.broadcast('too late');
        nodeOf(res).end();
      });
    return this.sse.connect(req, res);
  }
}

/** Node's own object, under Fastify's wrapper when there is one. */
function nodeOf<T extends object>(value: T): T {
  return 'raw' in value ? (value.raw as T) : value;
}

describe('the bytes on the wire', () => {
  let sseApp: SseApp;
  let connection: RawConnection | undefined;
  afterEach(async () => {
    connection?.socket.destroy();
    connection = undefined;
    await sseApp?.close();
  });

  it('frames single events and same-tick batches as valid HTTP/1.1 chunks', async () => {
    sseApp = await startSseApp();
    connection = await RawConnection.open(sseApp.url);
    connection.get('/events');
    await waitFor(() => sseApp.sse.getClients().length === 1);
    await sseApp.sse.broadcast({ data: 'first', id: '1' });
    await delay(20);
    await sseApp.sse.broadcast({ data: 'second\nline', type: 'multi' });
    await sseApp.sse.broadcast({ data: 'ünïcødé 🎉' });
    await delay(20);
    await sseApp.sse.getClients()[0]!.send({ data: 'just this one' });
    await waitFor(() => parseEvents(readChunked(connection!.received).body).length === 4);

    const response = readChunked(connection.received);
    expect(response.head).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(response.head.toLowerCase()).toContain('transfer-encoding: chunked');
    expect(parseEvents(response.body).map(({ data, event, id }) => ({ data, event, id }))).toEqual([
      { data: 'first', event: undefined, id: '1' },
      { data: 'second\nline', event: 'multi', id: undefined },
      { data: 'ünïcødé 🎉', event: undefined, id: undefined },
      { data: 'just this one', event: undefined, id: undefined },
    ]);
  });

  it('ends the chunked body with its terminator and nothing after it', async () => {
    sseApp = await startSseApp();
    connection = await RawConnection.open(sseApp.url);
    connection.get('/events');
    await waitFor(() => sseApp.sse.getClients().length === 1);
    await sseApp.sse.broadcast('bye');
    const [client] = sseApp.sse.getClients();
    await sseApp.app.close();
    await waitFor(() => connection!.hasCompleteResponse);
    await delay(50);

    expect(client!.isConnected).toBe(false);
    const response = readChunked(connection.received);
    expect(parseEvents(response.body).map((e) => e.data)).toEqual(['bye']);
    expect(response.rest.length).toBe(0);
  });

  it('sends nothing after a response the application ended itself, so the connection stays usable', async () => {
    sseApp = await startSseApp({ controllers: [SelfEndingController] });
    connection = await RawConnection.open(sseApp.url);
    connection.get('/ends-itself');
    await waitFor(() => connection!.hasCompleteResponse);
    await delay(50);
    expect(readChunked(connection.received).rest.toString('latin1')).toBe('');
    expect(sseApp.sse.getClients()).toHaveLength(0);

    connection.get('/events');
    await waitFor(() => sseApp.sse.getClients().length === 1);
    await sseApp.sse.broadcast('on the same connection');
    await waitFor(() => connection!.text.includes('on the same connection'));

    const first = readChunked(connection.received);
    expect(parseEvents(first.body)).toEqual([]);
    const second = readChunked(first.rest);
    expect(second.head).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(parseEvents(second.body).map((e) => e.data)).toEqual(['on the same connection']);
  });

  it('streams an unchunked body to an HTTP/1.0 client', async () => {
    sseApp = await startSseApp();
    connection = await RawConnection.open(sseApp.url);
    connection.get('/events', '1.0');
    await waitFor(() => sseApp.sse.getClients().length === 1);
    await sseApp.sse.broadcast({ data: 'one' });
    await sseApp.sse.broadcast({ data: 'two' });
    await waitFor(() => connection!.text.includes('data: two\n\n'));

    const [head, body] = connection.text.split('\r\n\r\n') as [string, string];
    expect(head).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(head.toLowerCase()).not.toContain('transfer-encoding');
    expect(parseEvents(body).map((e) => e.data)).toEqual(['one', 'two']);
  });

  it('frames a stream pipelined behind an ordinary response once its turn comes', async () => {
    sseApp = await startSseApp({ controllers: [SlowController] });
    connection = await RawConnection.open(sseApp.url);
    connection.get('/slow');
    connection.get('/events');
    await waitFor(() => sseApp.sse.getClients().length === 1);
    await sseApp.sse.broadcast('after its turn');
    await waitFor(() => connection!.text.includes('after its turn'));

    const slowEnd = connection.received.indexOf('slow done') + 'slow done'.length;
    expect(slowEnd).toBeGreaterThan(8);
    const stream = readChunked(connection.received.subarray(slowEnd));
    expect(stream.head).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(parseEvents(stream.body).map((e) => e.data)).toEqual(['after its turn']);
  });

  it('takes the next stream request on a connection whose stream the server ended', async () => {
    sseApp = await startSseApp({ sse: { clientIdProvider: CookieClientIdProvider, noReconnectStore: InMemoryNoReconnectStore } });
    connection = await RawConnection.open(sseApp.url);
    connection.get('/events');
    await waitFor(() => sseApp.sse.getClients().length === 1);
    await sseApp.sse.broadcast('before');
    const setCookie = /set-cookie: (sse_client_id=[^;]+)/i.exec(connection.text)![1]!;
    await sseApp.sse.disconnect(sseApp.sse.getClients()[0]!.id);
    await waitFor(() => connection!.hasCompleteResponse);

    connection.socket.write(`GET /events HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\nCookie: ${setCookie}\r\n\r\n`);
    await waitFor(() => connection!.text.includes('HTTP/1.1 204'));
    const first = readChunked(connection.received);
    expect(parseEvents(first.body).map((e) => e.data)).toEqual(['before']);
    expect(first.rest.toString('latin1')).toMatch(/^HTTP\/1\.1 204 No Content\r\n/);
    expect(connection.socket.destroyed).toBe(false);
  });
});
