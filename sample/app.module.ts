import { Module } from '@nestjs/common';
import { CookieClientIdProvider, SseModule } from 'nestjs-sse';
import { AdminController } from './admin.controller.js';
import { AskController } from './ask.controller.js';
import { cookieSecret } from './cookie-secret.js';
import { EventsController } from './events.controller.js';
import { MeController } from './me.controller.js';
import { PageController } from './page.controller.js';
import { clusterOptions } from './sse-options.js';
import { TickerService } from './ticker.service.js';

@Module({
  imports: [
    SseModule.forRoot({
      // The cookie keeps a browser's id across reconnects, which is what lets disconnect() stick.
      // Ids are signed, so nobody can take over a client by copying its id into a cookie.
      clientIdProvider: { useFactory: () => new CookieClientIdProvider({ path: '/events', secret: cookieSecret() }) },
      reconnectInterval: 2000,
      // Pages tell a restart from a lost connection.
      shutdownEvent: { type: 'shutdown', data: 'restarting' },
      maxClients: 10_000,
      keepalive: { interval: 15_000 },
      noReconnectTtl: 60_000,
      // The store, the event log (a page that loses its connection gets the events it missed)
      // and, with REDIS_URL, the backplane.
      ...clusterOptions(),
    }),
  ],
  controllers: [PageController, EventsController, MeController, AskController, AdminController],
  providers: [TickerService],
})
export class AppModule {}
