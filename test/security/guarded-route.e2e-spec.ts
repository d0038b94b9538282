import { afterEach, describe, expect, it } from '@jest/globals';
import {
  type CanActivate,
  Controller,
  type ExecutionContext,
  Get,
  Injectable,
  Req,
  Res,
  UnauthorizedException,
  UseGuards,
} from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SseService } from '../../lib/index.js';
import { openRawStream } from '../utils/raw-stream.js';
import { type SseApp, startSseApp } from '../utils/sse-app.js';

type AuthedRequest = IncomingMessage & { user?: { id: string } };

/** Stands in for a real session check: EventSource sends cookies, never custom headers. */
@Injectable()
class SessionGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<AuthedRequest>();
    const session = /(?:^|;\s*)session=(\w+)/.exec(req.headers.cookie ?? '')?.[1];
    if (session === undefined) throw new UnauthorizedException('Log in to receive updates.');
    req.user = { id: session };
    return true;
  }
}

@Controller('private')
class PrivateStreamController {
  constructor(private readonly sse: SseService) {}

  /** One id per user, so that an admin can disconnect a user and a second tab replaces the first. */
  @Get('events')
  @UseGuards(SessionGuard)
  events(@Req() req: AuthedRequest, @Res() res: ServerResponse): Promise<void> {
    return this.sse.connect(req, res, { clientId: `user:${req.user!.id}` });
  }
}

describe('a stream route behind a guard', () => {
  let sseApp: SseApp;
  afterEach(() => sseApp?.close());

  it('answers 401 before any stream opens, and streams to a logged-in user under their own id', async () => {
    sseApp = await startSseApp({
      sse: { keepalive: false },
      controllers: [PrivateStreamController],
    });
    const anonymous = await openRawStream(`${sseApp.url}/private/events`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['content-type']).toMatch(/application\/json/);
    expect(sseApp.sse.getClients()).toEqual([]);

    const alice = await openRawStream(`${sseApp.url}/private/events`, {
      headers: { accept: 'text/event-stream', cookie: 'session=alice' },
    });
    expect(alice.status).toBe(200);
    expect(sseApp.sse.getClients().map((client) => client.id)).toEqual(['user:alice']);
    await sseApp.sse.sendToClient('user:alice', 'for alice');
    await alice.until((s) => s.events.length === 1);
    expect(alice.events[0]!.data).toBe('for alice');
    alice.close();
  });
});
