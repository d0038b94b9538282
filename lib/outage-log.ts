import type { LoggerService } from '@nestjs/common';

/**
 * Logs a dependency going away once, and its return once, however many calls fail in between:
 * thousands of reconnects or events during an outage must not flood the log.
 */
export class OutageLog {
  private down = false;

  constructor(
    private readonly logger: Pick<LoggerService, 'error' | 'log'>,
    private readonly what: string,
    private readonly meanwhile: string,
  ) {}

  failed(error: unknown): void {
    if (this.down) return;
    this.down = true;
    const reason = error instanceof Error ? error.message : String(error);
    this.logger.error(`${this.what} is unreachable (${reason}). ${this.meanwhile} Logged once until it is back.`);
  }

  recovered(): void {
    if (!this.down) return;
    this.down = false;
    this.logger.log(`${this.what} is reachable again.`);
  }
}
