import { Body, Controller, Get, HttpCode, NotFoundException, Param, Post } from '@nestjs/common';
import { SseService } from 'nestjs-sse';

interface BroadcastBody {
  text?: string;
}

/** An admin API. A real app would put a guard on it. */
@Controller('clients')
export class ClientsController {
  constructor(private readonly sse: SseService) {}

  @Get()
  list() {
    return this.sse.getClients().map((client) => ({
      id: client.id,
      connectedAt: client.properties.get('connectedAt'),
      groups: this.sse.getGroups(client),
      lastEventId: client.lastEventId ?? null,
    }));
  }

  @Post(':id/disconnect')
  @HttpCode(200)
  async disconnect(@Param('id') id: string) {
    if (!(await this.sse.disconnect(id))) throw new NotFoundException(`No client ${id} is connected.`);
    return { disconnected: id };
  }

  @Post('broadcast')
  @HttpCode(202)
  async broadcast(@Body() body: BroadcastBody) {
    const text = String(body?.text ?? '').slice(0, 500);
    await this.sse.broadcast({ type: 'chat', data: { text, at: new Date().toISOString() } });
    return { sent: text };
  }
}
