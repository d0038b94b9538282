import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { SseService } from 'nestjs-sse';

/**
 * Sends a numbered tick to the lobby every 3 seconds, like a live dashboard would. Its id comes
 * from the event log, so ticks of several instances never share one.
 */
@Injectable()
export class TickerService implements OnModuleInit, OnModuleDestroy {
  private timer?: NodeJS.Timeout;
  private count = 0;

  constructor(private readonly sse: SseService) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.tick(), 3000);
  }

  private async tick(): Promise<void> {
    this.count++;
    // Across every instance when there is a backplane; during a Redis outage, this one's only.
    const clients = await this.sse.countClients().catch(() => this.sse.getClients().length);
    const data = { n: this.count, from: `:${process.env.PORT ?? 3000}`, clients, at: new Date().toISOString() };
    await this.sse.sendToGroup('lobby', { type: 'tick', data });
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }
}
