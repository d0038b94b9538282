// Run with ts-node inside a CommonJS consumer app: loads the app module, and with it nestjs-sse,
// as ts-node resolves it (require), and says which build it got.
import { NestFactory } from '@nestjs/core';
import { SseService } from 'nestjs-sse';
import { AppModule } from './src/app.module';

async function main() {
  const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
  const build = require.resolve('nestjs-sse').split('/').slice(-2).join('/');
  if (typeof app.get(SseService).broadcast !== 'function') throw new Error('SseService did not resolve');
  console.log(`ts-node: the app loaded nestjs-sse from ${build}`);
  await app.close();
}
void main();
