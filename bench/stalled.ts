import { createParser } from 'eventsource-parser';
import { get, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { getJson } from './load.js';
import { markdownTable, RESULTS_DIR, writeReport } from './report.js';
import { ServerProcess } from './server-process.js';
import type { ModuleStats } from './servers/nestjs-sse.js';
import { median } from './stats.js';

/**
 * Stalled clients, for this module: `stalled` raw sockets that ask for a stream and never read
 * it, and `readers` that parse every event, while the server broadcasts `events` events of
 * `bytes` bytes, one every `every` ms. The server's memory is sampled meanwhile. With the default
 * cap (maxBufferedBytes, 1 MiB) the stalled clients should be dropped as `slow` while every
 * reader still gets every event in order; `--cap 1000000000` turns the cap off for contrast.
 */
const { values: args } = parseArgs({
  options: {
    stalled: { type: 'string', default: '1000' },
    readers: { type: 'string', default: '10' },
    events: { type: 'string', default: '2000' },
    bytes: { type: 'string', default: '16384' },
    every: { type: 'string', default: '10' },
    cap: { type: 'string' },
    sample: { type: 'string', default: '250' },
    name: { type: 'string', default: 'stalled' },
    out: { type: 'string', default: RESULTS_DIR },
  },
});
const stalledCount = Number(args.stalled);
const readerCount = Number(args.readers);
const events = Number(args.events);
const bytes = Number(args.bytes);
const every = Number(args.every);
const sampleMs = Number(args.sample);

/** A stream that checks it gets events 0..events-1, in order, each with its full payload. */
class Reader {
  received = 0;
  inOrder = true;
  readonly finished: Promise<void>;

  constructor(readonly response: IncomingMessage) {
    let finish!: () => void;
    this.finished = new Promise((resolve) => (finish = resolve));
    const parser = createParser({
      onEvent: ({ id, data }) => {
        const expected = `${this.received}`;
        if (id !== expected || data.length !== expected.length + 1 + bytes || !data.startsWith(`${expected}:`)) this.inOrder = false;
        if (++this.received === events) finish();
      },
    });
    response.setEncoding('utf8').on('data', (chunk: string) => parser.feed(chunk));
  }
}

function openReader(port: number): Promise<Reader> {
  return new Promise((resolve, reject) => {
    const headers = { accept: 'text/event-stream' };
    get({ host: '127.0.0.1', port, path: '/sse', agent: false, localAddress: '127.0.0.50', headers }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`stream answered ${res.statusCode}`));
      else resolve(new Reader(res));
    }).on('error', reject);
  });
}

/** Asks for a stream and never reads: paused before it connects, so not even the head is read. */
function openStalled(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress: '127.0.0.51' });
    socket.pause();
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.write(`GET /sse HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream\r\n\r\n`);
      // A reset once the server drops it is expected, not a failure of the bench.
      socket.off('error', reject).on('error', () => undefined);
      resolve(socket);
    });
  });
}

async function openAll<T>(count: number, open: () => Promise<T>, concurrency = 200): Promise<T[]> {
  const opened: T[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      opened.push(await open());
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return opened;
}

async function waitForClients(port: number, count: number): Promise<void> {
  for (let waited = 0; waited < 30_000; waited += 100) {
    if ((await getJson<ModuleStats>(port, '/module-stats?gc=0')).clients === count) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the server never had ${count} clients`);
}

interface Sample {
  ms: number;
  rss: number;
  heapUsed: number;
  slow: number;
  /** Events broadcast so far. */
  sent: number;
}

/** Samples the server every `sampleMs` until `stop` is called; each sample waits for the last. */
function sampleServer(port: number, start: number): { samples: Sample[]; stop: () => Promise<void> } {
  const samples: Sample[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const { rss, heapUsed, disconnectReasons, pacedSent } = await getJson<ModuleStats>(port, '/module-stats?gc=0');
      samples.push({ ms: performance.now() - start, rss, heapUsed, slow: disconnectReasons.slow ?? 0, sent: pacedSent });
      await new Promise((resolve) => setTimeout(resolve, sampleMs));
    }
  })();
  return {
    samples,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

/** Resolves when `promise` does or after `ms`, whichever comes first. */
async function within(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

/**
 * Reads what each stalled socket got before the server dropped it, up to the server's FIN: what
 * the kernel buffers on both ends had absorbed. Sockets reset, or still open after `timeout`, are left out.
 */
async function drain(sockets: Socket[], timeout = 15_000): Promise<number[]> {
  const absorbed: number[] = [];
  const read = (socket: Socket) =>
    new Promise<void>((resolve) => {
      let received = 0;
      socket.on('data', (chunk: Buffer) => (received += chunk.length));
      socket.once('end', () => absorbed.push(received));
      socket.once('close', () => resolve());
      socket.resume();
    });
  await within(Promise.all(sockets.map(read)), timeout);
  return absorbed;
}

async function measure() {
  const server = await ServerProcess.start('nestjs-sse', args.cap ? { SSE_MAX_BUFFERED: args.cap } : {});
  let readers: Reader[] = [];
  let stalled: Socket[] = [];
  try {
    const port = server.port;
    readers = await openAll(readerCount, () => openReader(port));
    stalled = await openAll(stalledCount, () => openStalled(port));
    await waitForClients(port, readerCount + stalledCount);
    const withStreams = await getJson<ModuleStats>(port, '/module-stats');
    const start = performance.now();
    const sampler = sampleServer(port, start);
    await getJson(port, `/paced?m=${events}&b=${bytes}&every=${every}`);
    await within(Promise.all(readers.map((reader) => reader.finished)), events * every * 10 + 60_000);
    const seconds = (performance.now() - start) / 1000;
    await sampler.stop();
    const end = await getJson<ModuleStats>(port, '/module-stats');
    const slow = end.disconnectReasons.slow ?? 0;
    const absorbed = slow > 0 ? await drain(stalled) : [];
    const received = readers.map(({ received, inOrder }) => ({ received, inOrder }));
    return { withStreams, end, seconds, slow, samples: sampler.samples, readers: received, absorbed };
  } finally {
    stalled.forEach((socket) => socket.destroy());
    readers.forEach((reader) => reader.response.destroy());
    await server.stop();
  }
}

const result = await measure();
const mb = (value: number) => (value / 1024 / 1024).toFixed(0);
const peak = (read: (sample: Sample) => number) => Math.max(...result.samples.map(read));
const allDropped = result.samples.find((sample) => sample.slow === stalledCount);
const complete = result.readers.filter((reader) => reader.received === events && reader.inOrder).length;
const cap = args.cap ? `${Number(args.cap).toLocaleString('en-US')} B` : '1 MiB (default)';

const header =
  `${stalledCount} stalled clients and ${readerCount} readers, ${events} events × ${bytes} B broadcast one every ${every} ms, ` +
  `maxBufferedBytes ${cap}, server sampled every ${sampleMs} ms, Node ${process.version}`;
const table = markdownTable(
  [
    'maxBufferedBytes',
    'took s',
    'RSS with streams, MB',
    'peak RSS MB',
    'peak heapUsed MB',
    'RSS at end after GC, MB',
    'heapUsed at end after GC, MB',
    'stalled dropped as slow',
    'all dropped by',
    'readers with every event in order',
  ],
  ['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:'],
  [
    [
      cap,
      result.seconds.toFixed(1),
      mb(result.withStreams.rss),
      mb(peak((sample) => sample.rss)),
      mb(peak((sample) => sample.heapUsed)),
      mb(result.end.rss),
      mb(result.end.heapUsed),
      `${result.slow} of ${stalledCount}`,
      allDropped ? `${(allDropped.ms / 1000).toFixed(1)} s, ${allDropped.sent} events` : '—',
      `${complete} of ${readerCount}`,
    ],
  ],
);
const absorbed =
  result.absorbed.length > 0
    ? `\n\nWhat a dropped stalled socket still received once it read (the kernel buffers on both ends): median ` +
      `${(median(result.absorbed) / 1024).toFixed(0)} KB, min ${(Math.min(...result.absorbed) / 1024).toFixed(0)} KB, ` +
      `max ${(Math.max(...result.absorbed) / 1024).toFixed(0)} KB, over the ${result.absorbed.length} that ended within 15 s.`
    : '';
writeReport(args.out, args.name, { header, table: `${table}${absorbed}`, data: result });
