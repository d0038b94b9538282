import { Body, Controller, Get, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { SseService, type SseRequest, type SseResponse } from 'nestjs-sse';

/** On Express or Fastify alike: connect() takes either platform's request and response. */
@Controller()
export class EventsController {
  constructor(private readonly sse: SseService) {}

  @Get('events')
  events(@Req() req: SseRequest, @Res() res: SseResponse) {
    return this.sse.connect(req, res);
  }

  @Post('announce')
  announce(@Body() body: { text: string }) {
    return this.sse.broadcast({ type: 'announcement', data: body });
  }

  @Get('clients')
  clients() {
    return this.sse.getClients().map((client) => client.id);
  }

  @Post('clients/:id/disconnect')
  @HttpCode(200)
  async disconnect(@Param('id') id: string) {
    return { disconnected: await this.sse.disconnect(id) };
  }
}
