import { All, Controller, Get, type INestApplication, type ModuleMetadata, Req, Res, type Type } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test, type TestingModule, type TestingModuleBuilder } from '@nestjs/testing';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { SseModule, type SseModuleForRootOptions, SseService } from '../../lib/index.js';
import { throwawayCertificate } from './tls.js';

@Controller()
export class StreamController {
  constructor(private readonly sse: SseService) {}

  @Get('events')
  events(@Req() req: IncomingMessage, @Res() res: ServerResponse): Promise<void> {
    return this.sse.connect(req, res);
  }

  /** Takes every method, to show that connect() itself refuses everything but GET. */
  @All('any-method')
  anyMethod(@Req() req: IncomingMessage, @Res() res: ServerResponse): Promise<void> {
    return this.sse.connect(req, res);
  }
}

export interface SseApp {
  app: INestApplication;
  sse: SseService;
  url: string;
  close(): Promise<void>;
}

export interface SseAppOptions {
  sse?: SseModuleForRootOptions;
  /** Replaces the default `SseModule.forRoot(sse)` import, e.g. with forRootAsync. */
  imports?: ModuleMetadata['imports'];
  /** Controllers next to StreamController. */
  controllers?: Type[];
  override?: (builder: TestingModuleBuilder) => TestingModuleBuilder;
  configure?: (app: INestApplication) => void;
  /** HTTP/2 over TLS with a throwaway certificate; Fastify only, as Nest's Express adapter has no h2. */
  http2?: boolean;
}

/** `npm test` runs the e2e scenarios twice: on Express, and with SSE_PLATFORM=fastify on Fastify (see jest.config.js). */
export const PLATFORM = process.env.SSE_PLATFORM === 'fastify' ? 'fastify' : 'express';

/**
 * The fastify-h2 project (SSE_TRANSPORT=h2) runs the core scenarios again over HTTP/2 with TLS:
 * every app is then an h2 one, and the test clients open https URLs on one session per origin.
 */
export const TRANSPORT = process.env.SSE_TRANSPORT === 'h2' ? 'h2' : 'http1';

/** The application on the platform under test; closing it does not wait for open test streams. */
export function createApp(moduleRef: TestingModule, { http2 = TRANSPORT === 'h2' } = {}): INestApplication {
  if (http2) {
    if (PLATFORM !== 'fastify') throw new Error("HTTP/2 tests run on Fastify only: Nest's Express adapter cannot serve h2.");
    const adapter = new FastifyAdapter({ http2: true, https: throwawayCertificate(), forceCloseConnections: true });
    return moduleRef.createNestApplication(adapter, { logger: false });
  }
  if (PLATFORM === 'express') return moduleRef.createNestApplication({ logger: false, forceCloseConnections: true });
  return moduleRef.createNestApplication(new FastifyAdapter({ forceCloseConnections: true }), { logger: false });
}

/** A Nest app on an ephemeral loopback port, with the stream at `${url}/events`. */
export async function startSseApp(options: SseAppOptions = {}): Promise<SseApp> {
  let builder = Test.createTestingModule({
    imports: options.imports ?? [SseModule.forRoot(options.sse)],
    controllers: [StreamController, ...(options.controllers ?? [])],
  });
  if (options.override) builder = options.override(builder);
  const moduleRef = await builder.compile();
  const http2 = options.http2 ?? TRANSPORT === 'h2';
  const app = createApp(moduleRef, { http2 });
  options.configure?.(app);
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1').replace(/^http:/, http2 ? 'https:' : 'http:');
  return { app, sse: app.get(SseService), url, close: () => app.close() };
}

/** Connections open on the app's HTTP server, streams and idle keep-alive ones alike. */
export function connectionCount(sseApp: SseApp): Promise<number> {
  const server = sseApp.app.getHttpServer() as Server;
  return new Promise((resolve, reject) => server.getConnections((error, count) => (error ? reject(error) : resolve(count))));
}
