import { Controller, Get, Header, type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { CookieClientIdProvider, InMemoryNoReconnectStore, SseClientIdCookieMiddleware, SseModule } from '../../lib/index.js';
import { delay } from '../utils/wait.js';

// The app the browser tests over HTTP/2 open: a dashboard page with a dozen streams, on a first visit.

/** More than the six connections a browser opens per origin over HTTP/1.1. */
export const STREAMS = 12;
/** How long the page must stay closed after the 204 to show EventSource gave up for good. */
export const QUIET = 3000;

/** A store behind a network: every call takes 300 ms, so the first visit's streams overlap. */
class RemoteStore extends InMemoryNoReconnectStore {
  override async containsClientId(clientId: string): Promise<boolean> {
    await delay(300);
    return super.containsClientId(clientId);
  }

  override async addClientId(clientId: string, ttl?: number): Promise<void> {
    await delay(300);
    return super.addClientId(clientId, ttl);
  }
}

/** A page that opens a dozen streams at once, as a dashboard does; each reports its state. */
@Controller()
class DashboardController {
  @Get('dashboard')
  @Header('content-type', 'text/html')
  page(): string {
    return `<!doctype html><script>
      window.states = {};
      for (let i = 0; i < ${STREAMS}; i++) {
        const source = new EventSource('/events?sse_tab=w' + i);
        source.onopen = () => (states['w' + i] = 'open');
        source.onerror = () => (states['w' + i] = source.readyState === EventSource.CLOSED ? 'closed' : 'connecting');
      }
    </script>`;
  }
}

@Module({
  imports: [
    SseModule.forRoot({ isGlobal: true, keepalive: false, clientIdProvider: CookieClientIdProvider, noReconnectStore: RemoteStore }),
  ],
  controllers: [DashboardController],
})
export class DashboardModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(SseClientIdCookieMiddleware).forRoutes('dashboard');
  }
}
