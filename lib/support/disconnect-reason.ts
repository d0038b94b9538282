/**
 * Why a stream ended:
 * - `client`: the client left or its connection died;
 * - `slow`: the client fell more than `maxBufferedBytes` behind and was dropped; it may reconnect;
 * - `server`: `disconnect()` ended it and the client will be refused (204) when it comes back;
 * - `replaced`: a newer connection arrived with the same client id;
 * - `shutdown`: the application is closing;
 * - `expired`: the stream reached `maxConnectionAge`, or connect()'s `expiresAt`; the client reconnects
 *   at once, through the guards again, and resumes.
 */
export type SseDisconnectReason = 'client' | 'server' | 'replaced' | 'shutdown' | 'slow' | 'expired';
