import { BadRequestException, Body, Controller, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { CLIENT_ID_PROVIDER, type ClientIdProvider, SseService } from 'nestjs-sse';
import { filter, firstValueFrom, from, takeUntil } from 'rxjs';
import { clientIdOf, nodeOf, type Request, type Response } from './http.js';

const CONVERSATION = /^[\w-]{1,64}$/;
/** What the sample's stand-in for a model says, a word at a time. */
export const ANSWER =
  'This answer is streamed to a POST, one token at a time. Cut your connection while it comes: the page ' +
  'posts again with Last-Event-ID, and gets the tokens it missed from the event log, none twice.';
const TOKEN_EVERY_MS = 120;

/**
 * A chat-style stream, as the README's recipe has it: the question comes in a POST body, the answer
 * streams back on that response, and a retry with Last-Event-ID resumes it without asking again.
 * The stream is named after the browser's signed id and the conversation, so no page reads another's.
 */
@Controller('events/ask')
export class AskController {
  constructor(
    private readonly sse: SseService,
    @Inject(CLIENT_ID_PROVIDER) private readonly clientIds: ClientIdProvider,
  ) {}

  @Post(':conversation')
  async ask(@Param('conversation') conversation: string, @Body() body: { question?: unknown }, @Req() req: Request, @Res() res: Response) {
    if (!CONVERSATION.test(conversation)) throw new BadRequestException('A conversation id is 1 to 64 letters, digits, _ or -.');
    const browser = (await clientIdOf(this.clientIds, req, res, 'Open the page first: it gives this browser its id.')).split('.')[0];
    const clientId = `ask:${browser}:${conversation}`;
    const stream = this.sse.connect(req, res, { methods: ['POST'], clientId });
    const question = String(body?.question ?? '').slice(0, 500);
    if (nodeOf(req).headers['last-event-id'] === undefined) void this.answerOnceConnected(clientId, question, stream);
    return stream;
  }

  private async answerOnceConnected(clientId: string, question: string, stream: Promise<void>): Promise<void> {
    const connected = this.sse.clientConnected$.pipe(
      filter(({ client }) => client.id === clientId),
      takeUntil(from(stream.catch(() => undefined))),
    );
    if (!(await firstValueFrom(connected, { defaultValue: undefined }))) return;
    await this.sse.sendToClient(clientId, { type: 'question', data: question });
    for (const token of ANSWER.split(/(?= )/)) {
      await new Promise((resolve) => setTimeout(resolve, TOKEN_EVERY_MS));
      await this.sse.sendToClient(clientId, { type: 'token', data: token });
    }
    await this.sse.sendToClient(clientId, { type: 'done', data: '' });
  }
}
