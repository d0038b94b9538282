import { HttpException, type Logger } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ClientIdProvider } from '../client-id/client-id-provider.interface.js';
import { CLIENT_ID_PROVIDER } from '../sse.constants.js';
import { messageOf, stackOf } from '../support/error-text.js';

/** The CLIENT_ID_PROVIDER, as the handshake and the lifecycle call it: errors said, ids checked. */
export class ClientIds {
  constructor(
    private readonly provider: ClientIdProvider,
    private readonly logger: Logger,
  ) {}

  /** The provider's id for this request. A provider may refuse on purpose (401, 403): Nest answers those as they are. */
  async acquire(req: IncomingMessage, res: ServerResponse): Promise<string> {
    let clientId: unknown;
    try {
      clientId = await this.provider.acquireClientId(req, res);
    } catch (cause) {
      if (cause instanceof HttpException) throw cause;
      throw new Error(`${CLIENT_ID_PROVIDER}.acquireClientId() failed, so no stream was opened: ${messageOf(cause)}`, { cause });
    }
    return checkClientId(clientId, `${CLIENT_ID_PROVIDER}.acquireClientId()`);
  }

  /** Never rejects: an id that cannot be released is logged, and the client is forgotten all the same. */
  async release(clientId: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      await this.provider.releaseClientId(clientId, req, res);
    } catch (error) {
      this.logger.error(`${CLIENT_ID_PROVIDER}.releaseClientId(${clientId}) failed.`, stackOf(error));
    }
  }
}

export function checkClientId(clientId: unknown, from: string): string {
  if (typeof clientId !== 'string' || clientId === '') {
    throw new Error(`${from} gave ${JSON.stringify(clientId)} as a client id; it must be a non-empty string.`);
  }
  return clientId;
}
