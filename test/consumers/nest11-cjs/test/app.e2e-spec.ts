import { Test, TestingModule } from '@nestjs/testing';
import { INestApplication } from '@nestjs/common';
import { get, IncomingMessage } from 'node:http';
import { AddressInfo } from 'node:net';
import request from 'supertest';
import { App } from 'supertest/types';
import { AppModule } from './../src/app.module';

/** Opens /events and collects the stream's text until the server ends it. */
function openStream(port: number, cookie?: string) {
  return new Promise<{ response: IncomingMessage; text: () => string; ended: Promise<void> }>((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path: '/events', headers: { accept: 'text/event-stream', ...(cookie ? { cookie } : {}) } }, (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      const ended = new Promise<void>((done) => response.on('close', () => done()));
      resolve({ response, text: () => text, ended });
    });
    req.on('error', reject);
  });
}

async function until(condition: () => boolean) {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(condition()).toBe(true);
}

describe('nestjs-sse in a Nest 11 CommonJS app (e2e)', () => {
  let app: INestApplication<App>;
  let port: number;

  beforeEach(async () => {
    const moduleFixture: TestingModule = await Test.createTestingModule({
      imports: [AppModule],
    }).compile();

    app = moduleFixture.createNestApplication({ forceCloseConnections: true });
    await app.listen(0, '127.0.0.1');
    port = (app.getHttpServer().address() as AddressInfo).port;
  });

  it('loads the CommonJS build', () => {
    expect(require.resolve('nestjs-sse')).toMatch(/index\.cjs$/);
  });

  it('streams a broadcast, disconnects the client, and answers its reconnect with 204', async () => {
    const stream = await openStream(port);
    expect(stream.response.statusCode).toBe(200);
    expect(stream.response.headers['content-type']).toBe('text/event-stream');
    const cookie = stream.response.headers['set-cookie']![0]!.split(';')[0]!;
    const [id] = (await request(app.getHttpServer()).get('/clients').expect(200)).body as string[];

    await request(app.getHttpServer()).post('/announce').send({ text: 'hello' }).expect(201);
    await until(() => stream.text().includes('event: announcement\ndata: {"text":"hello"}\n\n'));

    await request(app.getHttpServer()).post(`/clients/${id}/disconnect`).expect(200, { disconnected: true });
    await stream.ended;
    const reconnect = await openStream(port, cookie);
    expect(reconnect.response.statusCode).toBe(204);
  });

  afterEach(async () => {
    await app.close();
  });
});
