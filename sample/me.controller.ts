import {
  BadRequestException,
  Body,
  ConflictException,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Post,
  Req,
  Res,
} from '@nestjs/common';
import { CLIENT_ID_PROVIDER, type ClientIdProvider, SseService } from 'nestjs-sse';
import { clientIdOf, type Request, type Response } from './http.js';

/** A group can hold many clients, but one client only a few groups (the lobby included). */
const MAX_GROUPS = 8;
const GROUP = /^[\w-]{1,32}$/;
/** What CookieClientIdProvider takes as a tab name. */
const TAB = /^[\w-]{1,64}$/;

/** The group of every tab of one browser: the tabs share its cookie, so the id before the dot. */
export const browserGroup = (clientId: string) => `browser:${clientId.split('.')[0]}`;

/**
 * What a page may do, as the client its signed cookie (and `?sse_tab=`) says it is: to its own
 * stream, and to the other tabs of its own browser. Nothing here takes another client's id.
 */
@Controller('events/me')
export class MeController {
  constructor(
    private readonly sse: SseService,
    @Inject(CLIENT_ID_PROVIDER) private readonly clientIds: ClientIdProvider,
  ) {}

  @Get()
  async me(@Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const id = await this.clientIdOf(req, res);
    const tabs = this.sse.getClients(browserGroup(id)).map((client) => ({ id: client.id, groups: this.ownGroups(client.id) }));
    return { id, connected: this.sse.getClient(id) !== undefined, groups: this.ownGroups(id), tabs };
  }

  @Post('groups/:group')
  @HttpCode(200)
  async join(@Req() req: Request, @Res({ passthrough: true }) res: Response, @Param('group') group: string) {
    const name = checkGroup(group);
    const id = await this.connectedId(req, res);
    if (this.ownGroups(id).length >= MAX_GROUPS) throw new ConflictException(`A page may be in at most ${MAX_GROUPS} groups.`);
    this.sse.addToGroup(name, id);
    return { groups: this.ownGroups(id) };
  }

  @Delete('groups/:group')
  async leave(@Req() req: Request, @Res({ passthrough: true }) res: Response, @Param('group') group: string) {
    const id = await this.connectedId(req, res);
    this.sse.removeFromGroup(checkGroup(group), id);
    return { groups: this.ownGroups(id) };
  }

  /** Chat to everyone, or with a group to its members on every instance. */
  @Post('say')
  @HttpCode(202)
  async say(@Req() req: Request, @Res({ passthrough: true }) res: Response, @Body() body: { text?: unknown; group?: unknown }) {
    const id = await this.connectedId(req, res);
    const text = String(body?.text ?? '').slice(0, 500);
    const at = new Date().toISOString();
    if (body?.group === undefined) {
      await this.sse.broadcast({ type: 'chat', data: { text, at } });
    } else {
      const group = checkGroup(String(body.group));
      if (!this.sse.getGroups(id).includes(group)) throw new BadRequestException(`Join ${group} before you speak in it.`);
      await this.sse.sendToGroup(group, { type: 'chat', data: { text, group, at } });
    }
    return { sent: text };
  }

  /** Ends one of this browser's tabs for good: its reconnect gets 204. */
  @Post('tabs/:tab/disconnect')
  @HttpCode(200)
  async disconnectTab(@Req() req: Request, @Res({ passthrough: true }) res: Response, @Param('tab') tab: string) {
    const browser = (await this.clientIdOf(req, res)).split('.')[0];
    if (!TAB.test(tab)) throw new BadRequestException('A tab name is 1 to 64 letters, digits, _ or -.');
    const target = `${browser}.${tab}`;
    if (!(await this.sse.disconnect(target))) throw new NotFoundException(`This browser has no tab ${tab} connected.`);
    return { disconnected: target };
  }

  private clientIdOf(req: Request, res: Response): Promise<string> {
    return clientIdOf(this.clientIds, req, res, 'This browser has no stream open yet.');
  }

  private async connectedId(req: Request, res: Response): Promise<string> {
    const id = await this.clientIdOf(req, res);
    if (!this.sse.getClient(id)) throw new NotFoundException('This page has no stream open here.');
    return id;
  }

  /** Its groups but the one of its browser, which the page did not join itself. */
  private ownGroups(id: string): string[] {
    return this.sse.getGroups(id).filter((group) => !group.startsWith('browser:'));
  }
}

function checkGroup(name: string): string {
  if (!GROUP.test(name)) throw new BadRequestException('A group name is 1 to 32 letters, digits, _ or -.');
  return name;
}
