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
