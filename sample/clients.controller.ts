import { BadRequestException, Body, Controller, Delete, Get, HttpCode, NotFoundException, Param, Post } from '@nestjs/common';
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

  @Post(':id/groups/:group')
  @HttpCode(200)
  join(@Param('id') id: string, @Param('group') group: string) {
    if (!this.sse.addToGroup(checkGroup(group), id)) throw new NotFoundException(`No client ${id} is connected here.`);
    return { groups: this.sse.getGroups(id) };
  }

  @Delete(':id/groups/:group')
  leave(@Param('id') id: string, @Param('group') group: string) {
    this.sse.removeFromGroup(group, id);
    return { groups: this.sse.getGroups(id) };
  }

  /** Reaches the group's members on every instance (with a backplane). */
  @Post('groups/:group/say')
  @HttpCode(202)
  async say(@Param('group') group: string, @Body() body: BroadcastBody) {
    const text = String(body?.text ?? '').slice(0, 500);
    await this.sse.sendToGroup(checkGroup(group), { type: 'chat', data: { text, group, at: new Date().toISOString() } });
    return { sent: text };
  }

  @Post('broadcast')
  @HttpCode(202)
  async broadcast(@Body() body: BroadcastBody) {
    const text = String(body?.text ?? '').slice(0, 500);
    await this.sse.broadcast({ type: 'chat', data: { text, at: new Date().toISOString() } });
    return { sent: text };
  }
}

function checkGroup(group: string): string {
  if (!/^[\w-]{1,32}$/.test(group)) throw new BadRequestException('A group name is 1 to 32 letters, digits, _ or -.');
  return group;
}
