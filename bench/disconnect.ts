import { get } from 'node:http';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { type CountingStream, getJson, openStreams } from './load.js';
import { markdownTable, RESULTS_DIR, writeReport } from './report.js';
import { ServerProcess } from './server-process.js';
import { median, percentile } from './stats.js';

/**
 * The disconnect bench, for this module only (nothing else refuses reconnects). With N streams
 * open, for each no-reconnect store:
 * - `disconnect(id)` latency, one client at a time: from the load asking for it until that client
 *   sees its stream end, and the part spent inside `disconnect()` on the server;
 * - disconnecting every other client at once;
 * - refused reconnects: every disconnected client comes back with its cookie, `concurrency` at a
 *   time, and each must get 204.
 */
const { values: args } = parseArgs({
  options: {
    clients: { type: 'string', default: '1000' },
    samples: { type: 'string', default: '200' },
    stores: { type: 'string', default: 'memory,redis' },
    concurrency: { type: 'string', default: '100' },
    name: { type: 'string', default: 'disconnect' },
    out: { type: 'string', default: RESULTS_DIR },
  },
});
const clients = Number(args.clients);
const samples = Number(args.samples);
const concurrency = Number(args.concurrency);

interface Result {
  store: string;
  endToEnd: number[];
  inDisconnect: number[];
  bulk: { clients: number; ms: number };
  refused: Requests;
  /** The same load against an empty Nest GET route. */
  baseline: Requests;
}

interface Requests {
  count: number;
  statuses: Record<number, number>;
  perSecond: number;
}

async function measure(store: string): Promise<Result> {
  const server = await ServerProcess.start('nestjs-sse', { SSE_STORE: store });
  let streams: CountingStream[] = [];
  try {
    streams = await openStreams({ port: server.port, count: clients, localAddress: '127.0.0.20' });
    const cookies = streams.map((stream) => stream.cookie!);
    const { endToEnd, inDisconnect } = await disconnectOneByOne(server.port, streams.slice(0, samples));
    const bulk = await getJson<{ clients: number; ms: number }>(server.port, '/disconnect-all');
    await Promise.all(streams.map((stream) => stream.ended));
    // Let the server finish tearing down the closed streams before timing requests.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    // The baseline goes first, so any warm-up favours it rather than the refusals.
    const baseline = await requestAll(server.port, '/ping', cookies);
    const refused = await requestAll(server.port, '/sse', cookies);
    return { store, endToEnd, inDisconnect, bulk, refused, baseline };
  } finally {
    streams.forEach((stream) => stream.destroy());
    await server.stop();
  }
}

async function disconnectOneByOne(port: number, streams: CountingStream[]) {
  const endToEnd: number[] = [];
  const inDisconnect: number[] = [];
  for (const stream of streams) {
    const id = decodeURIComponent(stream.cookie!.split('=')[1]!);
    const start = performance.now();
    const [answer] = await Promise.all([
      getJson<{ found: boolean; ms: number }>(port, `/disconnect?id=${encodeURIComponent(id)}`),
      stream.ended,
    ]);
    if (!answer.found) throw new Error(`the server did not know client ${id}`);
    endToEnd.push(performance.now() - start);
    inDisconnect.push(answer.ms);
  }
  return { endToEnd, inDisconnect };
}

/** One request per cookie, each on its own connection, `concurrency` in flight. */
async function requestAll(port: number, path: string, cookies: string[]): Promise<Requests> {
  const statuses: Record<number, number> = {};
  let next = 0;
  const worker = async () => {
    while (next < cookies.length) {
      const status = await request(port, path, cookies[next++]!);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { count: cookies.length, statuses, perSecond: cookies.length / ((performance.now() - start) / 1000) };
}

function request(port: number, path: string, cookie: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get(
      { host: '127.0.0.1', port, path, agent: false, localAddress: '127.0.0.21', headers: { accept: 'text/event-stream', cookie } },
      (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
      },
    ).on('error', reject);
  });
}

function row(result: Result): string[] {
  const ms = (value: number) => value.toFixed(2);
  const refused204 = result.refused.statuses[204] ?? 0;
  return [
    result.store,
    ms(median(result.endToEnd)),
    ms(percentile(result.endToEnd, 0.99)),
    ms(median(result.inDisconnect)),
    ms(percentile(result.inDisconnect, 0.99)),
    `${result.bulk.clients} in ${Math.round(result.bulk.ms)} ms`,
    `${refused204} of ${result.refused.count}`,
    Math.round(result.refused.perSecond).toLocaleString('en-US'),
    Math.round(result.baseline.perSecond).toLocaleString('en-US'),
  ];
}

const results: Result[] = [];
for (const store of args.stores.split(',')) {
  results.push(await measure(store));
  console.error(`${store}: done`);
}
const header = `disconnect(id) and refused reconnects, ${clients} clients, ${samples} one-at-a-time samples, ${concurrency} reconnects in flight, Node ${process.version}`;
const table = markdownTable(
  [
    'store',
    'to stream end p50 ms',
    'p99 ms',
    'in disconnect() p50 ms',
    'p99 ms',
    'all others at once',
    'reconnects refused with 204',
    '204s per second',
    'empty Nest route, requests per second',
  ],
  ['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:'],
  results.map(row),
);
writeReport(args.out, args.name, { header, table, data: results });
