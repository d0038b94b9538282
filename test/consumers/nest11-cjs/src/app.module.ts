import { Module } from '@nestjs/common';
import { CookieClientIdProvider, InMemoryNoReconnectStore, SseModule } from 'nestjs-sse';
import { AppController } from './app.controller';
import { AppService } from './app.service';
import { EventsController } from './events.controller';

@Module({
  imports: [
    SseModule.forRoot({
      clientIdProvider: new CookieClientIdProvider({ path: '/events' }),
      noReconnectStore: InMemoryNoReconnectStore,
    }),
  ],
  controllers: [AppController, EventsController],
  providers: [AppService],
})
export class AppModule {}
