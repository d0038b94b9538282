import { Controller, Get, HttpCode, NotFoundException, Param, Post, UseGuards } from '@nestjs/common';
import { SseService } from 'nestjs-sse';
import { AdminGuard } from './admin.guard.js';

/** What an operator may do to any client: see them all, and end a stream for good. */
@Controller('admin/clients')
@UseGuards(AdminGuard)
export class AdminController {
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
}
