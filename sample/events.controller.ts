import { Controller, Get, type OnModuleInit, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { SseService } from 'nestjs-sse';

@Controller()
export class EventsController implements OnModuleInit {
  constructor(private readonly sse: SseService) {}

  onModuleInit(): void {
    // Tell each page who it is, and put everyone in the "lobby" group.
    // On a resumed reconnect the missed events are already queued ahead of this welcome.
    this.sse.clientConnected$.subscribe(({ client, resumed }) => {
      client.properties.set('connectedAt', new Date().toISOString());
      this.sse.addToGroup('lobby', client);
      void client.send({ type: 'welcome', data: { clientId: client.id, resumed, groups: this.sse.getGroups(client) } });
    });
  }

  /** Guards, interceptors and pipes apply here as on any route. */
  @Get('events')
  events(@Req() req: Request, @Res() res: Response): Promise<void> {
    return this.sse.connect(req, res);
  }
}
