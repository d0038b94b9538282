/** Sending to a client whose stream has ended. */
export class SseClientNotConnectedError extends Error {
  override readonly name = 'SseClientNotConnectedError';

  constructor(readonly clientId: string) {
    super(
      `SSE client ${clientId} is not connected: it left, was disconnected, or was replaced by a newer ` +
        'connection with the same id. Check client.isConnected, or react to clientDisconnected$.',
    );
  }
}

/** @internal What went wrong, for a log line or a message to another instance. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** @internal The stack Nest's Logger prints under an error line. */
export function stackOf(error: unknown): string {
  return (error instanceof Error ? error.stack : undefined) ?? String(error);
}
