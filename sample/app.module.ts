import { Module } from '@nestjs/common';
import { CookieClientIdProvider, InMemoryEventLog, InMemoryNoReconnectStore, SseModule } from 'nestjs-sse';
import { ClientsController } from './clients.controller.js';
import { EventsController } from './events.controller.js';
import { PageController } from './page.controller.js';
import { TickerService } from './ticker.service.js';

@Module({
  imports: [
    SseModule.forRoot({
      // The cookie keeps a browser's id across reconnects, which is what lets disconnect() stick.
      clientIdProvider: new CookieClientIdProvider({ path: '/events' }),
      noReconnectStore: InMemoryNoReconnectStore,
      reconnectInterval: 2000,
      keepalive: { interval: 15_000 },
      noReconnectTtl: 60_000,
      // A page that loses its connection gets the events it missed when EventSource reconnects.
      eventLog: new InMemoryEventLog({ maxEvents: 500, maxAge: 5 * 60_000 }),
    }),
  ],
  controllers: [PageController, EventsController, ClientsController],
  providers: [TickerService],
})
export class AppModule {}
