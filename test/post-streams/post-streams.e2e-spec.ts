import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { fetchEventSource } from '@microsoft/fetch-event-source';
import { All, Body, Controller, Param, Post, Req, Res } from '@nestjs/common';
import { filter, firstValueFrom, from, Subject, takeUntil } from 'rxjs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CookieClientIdProvider, InMemoryEventLog, InMemoryNoReconnectStore, SseService } from '../../lib/index.js';
import { type FetchStream, openFetchStream } from '../utils/fetch-stream.js';
import { cookieOf } from '../utils/recording-providers.js';
import { type SseApp, startSseApp } from '../utils/sse-app.js';
import { delay, waitFor } from '../utils/wait.js';

/** What each stream request came with, to show connect() leaves the parsed body to the app. */
const requests: { method: string; prompt?: string; lastEventId?: string }[] = [];

@Controller()
class ChatController {
  constructor(private readonly sse: SseService) {}

  @Post('chat')
  chat(@Req() req: IncomingMessage, @Res() res: ServerResponse, @Body() body: { prompt?: string }) {
    requests.push({ method: 'POST', prompt: body?.prompt, lastEventId: req.headers['last-event-id'] as string | undefined });
    return this.sse.connect(req, res, { methods: ['POST'] });
  }

  @All('chat-any')
  any(@Req() req: IncomingMessage, @Res() res: ServerResponse) {
    return this.sse.connect(req, res, { methods: ['post', 'PUT'] });
  }
}

/** A model that says the tokens the test hands it, when it hands them. */
const model = { prompts: [] as string[], tokens: new Subject<string | null>() };

/** The README's chat endpoint (Streams started with POST), with the model above. */
@Controller('chat')
class RecipeChatController {
  constructor(private readonly sse: SseService) {}

  @Post(':conversation')
  chat(
    @Param('conversation') conversation: string,
    @Body() body: { prompt: string },
    @Req() req: IncomingMessage,
    @Res() res: ServerResponse,
  ) {
    const clientId = `chat:${conversation}`;
    const stream = this.sse.connect(req, res, { methods: ['POST'], clientId });
    if (req.headers['last-event-id'] === undefined) void this.answerOnceConnected(clientId, body.prompt, stream);
    return stream;
  }

  private async answerOnceConnected(clientId: string, prompt: string, stream: Promise<void>) {
    const connected = this.sse.clientConnected$.pipe(
      filter(({ client }) => client.id === clientId),
      takeUntil(from(stream.catch(() => undefined))),
    );
    if (!(await firstValueFrom(connected, { defaultValue: undefined }))) return;
    model.prompts.push(prompt);
    for await (const token of tokensOf(model.tokens)) {
      await this.sse.sendToClient(clientId, { type: 'token', data: token });
    }
    await this.sse.sendToClient(clientId, { type: 'done', data: '' });
  }
}

async function* tokensOf(source: Subject<string | null>): AsyncIterable<string> {
  const queue: (string | null)[] = [];
  let wake = () => {};
  const subscription = source.subscribe((token) => {
    queue.push(token);
    wake();
  });
  try {
    for (;;) {
      if (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      const token = queue.shift()!;
      if (token === null) return;
      yield token;
    }
  } finally {
    subscription.unsubscribe();
  }
}

const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

describe('streams started with POST', () => {
  let sseApp: SseApp;
  const open: FetchStream[] = [];
  const start = async () => {
    sseApp = await startSseApp({
      sse: {
        keepalive: false,
        reconnectInterval: 50,
        clientIdProvider: CookieClientIdProvider,
        noReconnectStore: InMemoryNoReconnectStore,
        eventLog: new InMemoryEventLog(),
      },
      controllers: [ChatController, RecipeChatController],
    });
    return sseApp;
  };
  const post = async (body: unknown, headers?: Record<string, string>) => {
    const stream = await openFetchStream(`${sseApp.url}/chat`, json(body, headers));
    open.push(stream);
    return stream;
  };
  beforeAll(() => {
    // fetch-event-source is a browser library: it takes its timers from `window`, and watches
    // `document` for the page being hidden (openWhenHidden turns that off, but it still unhooks).
    Object.assign(globalThis, { window: globalThis, document: { hidden: false, addEventListener() {}, removeEventListener() {} } });
  });
  afterEach(async () => {
    open.splice(0).forEach((stream) => stream.close());
    requests.length = 0;
    await sseApp?.close();
  });

  it('opens a stream on a route that lists POST, with the body parsed for the app', async () => {
    await start();
    const stream = await post({ prompt: 'hello' });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toBe('text/event-stream');
    expect(requests).toEqual([{ method: 'POST', prompt: 'hello', lastEventId: undefined }]);
    await sseApp.sse.broadcast({ type: 'token', data: 'hi' });
    await stream.until((s) => s.events.length === 1);
    expect(stream.events[0]).toMatchObject({ event: 'token', data: 'hi' });
  });

  it('answers a method it does not list with 405 and Allow naming those it does', async () => {
    await start();
    const get = await fetch(`${sseApp.url}/chat-any`, { headers: { accept: 'text/event-stream' } });
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST, PUT');
    const put = await openFetchStream(`${sseApp.url}/chat-any`, { method: 'PUT' });
    open.push(put);
    expect(put.status).toBe(200);
  });

  it('refuses a disconnected client re-POSTing with 204, and resumes one that sends Last-Event-ID', async () => {
    await start();
    const first = await post({ prompt: 'one' });
    const cookie = cookieOf(first.headers.getSetCookie());
    await sseApp.sse.broadcast('a');
    await first.until((s) => s.events.length === 1);
    first.close();
    await waitFor(() => sseApp.sse.getClients().length === 0);
    await sseApp.sse.broadcast('b');
    await sseApp.sse.broadcast('c');
    const resumed = await post({ prompt: 'one' }, { cookie, 'last-event-id': first.events[0]!.id! });
    await resumed.until((s) => s.events.length === 2);
    expect(resumed.events.map((event) => event.data)).toEqual(['b', 'c']);

    await sseApp.sse.disconnect(sseApp.sse.getClients()[0]!.id);
    await resumed.ended;
    const again = await post({ prompt: 'one' }, { cookie });
    expect(again.status).toBe(204);
  });

  it('works with @microsoft/fetch-event-source: resumed after a dropped connection, stopped for good by 204', async () => {
    await start();
    const received: string[] = [];
    const statuses: number[] = [];
    let cookie = '';
    const finished = fetchEventSource(`${sseApp.url}/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'hello' }),
      // Keeps the cookie as a browser's fetch would.
      fetch: (input, init) =>
        fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), ...(cookie && { cookie }) } }),
      openWhenHidden: true,
      // The README's handlers: 204 ends it for good, other failures retry.
      async onopen(response) {
        statuses.push(response.status);
        if (response.status === 204) throw new StopStreaming();
        if (!response.ok) throw new Error(`stream answered ${response.status}`);
        cookie ||= cookieOf(response.headers.getSetCookie());
      },
      // It also calls onmessage for a frame that holds only retry: or a comment (a keepalive).
      onmessage(message) {
        if (message.event || message.data) received.push(message.data);
      },
      // A stream the server ended is retried; the retry is what gets the 204.
      onclose() {
        throw new Error('the stream ended');
      },
      onerror(error) {
        if (error instanceof StopStreaming) throw error;
      },
    }).catch((error: unknown) => (error instanceof StopStreaming ? 'stopped' : error));

    await waitFor(() => sseApp.sse.getClients().length === 1);
    await sseApp.sse.broadcast('a');
    await waitFor(() => received.length === 1);
    // The connection drops; what is sent before the client is back reaches it on its re-POST.
    sseApp.sse.getClients()[0]!.response.destroy();
    await sseApp.sse.broadcast('b');
    await waitFor(() => received.length === 2);
    expect(requests.map((request) => request.lastEventId)).toEqual([undefined, expect.any(String)]);

    await sseApp.sse.disconnect(sseApp.sse.getClients()[0]!.id);
    await expect(finished).resolves.toBe('stopped');
    await delay(300);
    expect(statuses).toEqual([200, 200, 204]);
    expect(received).toEqual(['a', 'b']);
  });

  it('runs the README chat recipe: a dropped connection loses no token, and the retry does not ask the model again', async () => {
    await start();
    const tokens: string[] = [];
    const opened: (string | undefined)[] = [];
    let done = false;
    const finished = fetchEventSource(`${sseApp.url}/chat/c1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'why is the sky blue?' }),
      openWhenHidden: true,
      fetch: (input, init) => {
        opened.push(new Headers(init?.headers).get('last-event-id') ?? undefined);
        return fetch(input, init);
      },
      async onopen(response) {
        if (response.status === 204) throw new StopStreaming();
        if (!response.ok) throw new Error(`the stream answered ${response.status}`);
      },
      onmessage(message) {
        if (message.event === 'token') tokens.push(message.data);
        if (message.event === 'done') {
          done = true;
          throw new StopStreaming();
        }
      },
      onclose() {
        throw new Error('the stream ended early');
      },
      onerror(error) {
        if (error instanceof StopStreaming) throw error;
      },
    }).catch((error: unknown) => (error instanceof StopStreaming ? 'stopped' : error));

    await waitFor(() => model.prompts.length === 1);
    model.tokens.next('Rayleigh');
    await waitFor(() => tokens.length === 1);
    sseApp.sse.getClient('chat:c1')!.response.destroy();
    model.tokens.next(' scattering');
    model.tokens.next(',');
    await waitFor(() => opened.length === 2 && sseApp.sse.getClient('chat:c1') !== undefined);
    model.tokens.next(' mostly.');
    model.tokens.next(null);
    await expect(finished).resolves.toBe('stopped');
    expect(tokens.join('')).toBe('Rayleigh scattering, mostly.');
    expect(done).toBe(true);
    expect(opened).toEqual([undefined, expect.any(String)]);
    expect(model.prompts).toEqual(['why is the sky blue?']);
  });
});

class StopStreaming extends Error {}
