import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { SseService } from 'nestjs-sse';

/** Broadcasts a numbered tick to the lobby every 3 seconds, like a live dashboard would. */
@Injectable()
export class TickerService implements OnModuleInit, OnModuleDestroy {
  private timer?: NodeJS.Timeout;
  private count = 0;

  constructor(private readonly sse: SseService) {}

  onModuleInit(): void {
    this.timer = setInterval(() => {
      this.count++;
      const data = { n: this.count, clients: this.sse.getClients().length, at: new Date().toISOString() };
      void this.sse.sendToGroup('lobby', { type: 'tick', id: String(this.count), data });
    }, 3000);
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }
}
