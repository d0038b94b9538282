import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AppModule } from './app.module.js';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create(AppModule);
  app.enableShutdownHooks();
  const port = Number(process.env.PORT ?? 3000);
  await app.listen(port);
  // PORT=0 takes any free port: say which.
  const { port: listening } = (app.getHttpServer() as Server).address() as AddressInfo;
  console.log(`nestjs-sse sample: open http://localhost:${listening}/ in two browser tabs`);
}

void bootstrap();
