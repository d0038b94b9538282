import { Controller, Get, type OnModuleInit, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { SseService } from 'nestjs-sse';
import { browserGroup } from './me.controller.js';

@Controller()
export class EventsController implements OnModuleInit {
  constructor(private readonly sse: SseService) {}

  onModuleInit(): void {
    // Everyone hears the lobby; the tabs of one browser find each other through their own group.
    // Nothing is sent here: a per-connection event would go into the event log, and a few
    // hundred connects would push the ticks out of it. The page asks GET /events/me instead.
    this.sse.clientConnected$.subscribe(({ client }) => {
      client.properties.set('connectedAt', new Date().toISOString());
      this.sse.addToGroup('lobby', client);
      this.sse.addToGroup(browserGroup(client.id), client);
    });
  }

  /** Guards, interceptors and pipes apply here as on any route. */
  @Get('events')
  events(@Req() req: Request, @Res() res: Response): Promise<void> {
    return this.sse.connect(req, res);
  }
}
