import { get, type IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { CountingStream, getJson } from './load.js';
import { markdownTable, RESULTS_DIR, writeReport } from './report.js';
import { ServerProcess } from './server-process.js';
import type { ModuleStats } from './servers/nestjs-sse.js';

/**
 * The churn bench, for this module with cookie ids, the in-memory no-reconnect store, a keepalive
 * and two groups per client: connect/disconnect cycles, `concurrency` at a time, of four kinds
 * in turn (the client leaves once its stream opens; it leaves after its first event; the server
 * disconnects it and its reconnect must get 204; a second connection with its cookie replaces
 * it). After a warm-up, the server's memory is read at the start, the middle and the end, after a
 * forced GC. At the end, everything that tracks a client must be back where it was: the process
 * exits non-zero otherwise, so the bench itself catches a leak.
 */
const { values: args } = parseArgs({
  options: {
    cycles: { type: 'string', default: '10000' },
    warmup: { type: 'string', default: '500' },
    concurrency: { type: 'string', default: '50' },
    keepalive: { type: 'string', default: '1000' },
    settle: { type: 'string', default: '2000' },
    name: { type: 'string', default: 'churn' },
    out: { type: 'string', default: RESULTS_DIR },
  },
});
const cycles = Number(args.cycles);
const warmup = Number(args.warmup);
const concurrency = Number(args.concurrency);
const settleMs = Number(args.settle);

const KINDS = ['leaves on open', 'leaves after first event', 'server disconnect, 204 on reconnect', 'replaced by same cookie'] as const;
type Kind = (typeof KINDS)[number];

const done = Object.fromEntries(KINDS.map((kind) => [kind, 0])) as Record<Kind, number>;
const reconnectStatuses: Record<number, number> = {};

/**
 * Each cycle opens two or three connections that the client closes, which leaves them in
 * TIME_WAIT on this side: spread over several source addresses, they do not run out of ports.
 */
let connections = 0;
const localAddress = () => `127.0.0.${40 + (connections++ % 8)}`;

function request(port: number, path: string, cookie?: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const headers = { accept: 'text/event-stream', ...(cookie ? { cookie } : {}) };
    get({ host: '127.0.0.1', port, path, agent: false, localAddress: localAddress(), headers }, resolve).on('error', reject);
  });
}

async function openStream(port: number, cookie?: string): Promise<CountingStream> {
  const res = await request(port, '/sse', cookie);
  if (res.statusCode !== 200) throw new Error(`stream answered ${res.statusCode}`);
  return new CountingStream(res);
}

function firstEvent(stream: CountingStream): Promise<void> {
  return Promise.race([
    new Promise<void>((resolve) => stream.expect(1, resolve)),
    stream.ended.then(() => Promise.reject(new Error('the stream ended before its first event'))),
  ]);
}

const idOf = (cookie: string) => decodeURIComponent(cookie.split('=')[1]!);

async function cycle(port: number, kind: Kind): Promise<void> {
  const stream = await openStream(port);
  if (kind === 'leaves on open') return stream.destroy();
  await firstEvent(stream);
  if (kind === 'leaves after first event') return stream.destroy();
  const cookie = stream.cookie!;
  if (kind === 'replaced by same cookie') {
    const replacement = await openStream(port, cookie);
    await Promise.all([stream.ended, firstEvent(replacement)]);
    return replacement.destroy();
  }
  const id = idOf(cookie);
  const [answer] = await Promise.all([getJson<{ found: boolean }>(port, `/disconnect?id=${encodeURIComponent(id)}`), stream.ended]);
  if (!answer.found) throw new Error(`the server did not know client ${id}`);
  const refused = await request(port, '/sse', cookie);
  refused.resume();
  reconnectStatuses[refused.statusCode!] = (reconnectStatuses[refused.statusCode!] ?? 0) + 1;
}

/** Runs cycles `from`..`from + count - 1`, kinds in turn; resolves with the time taken, in ms. */
async function runCycles(port: number, from: number, count: number): Promise<number> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const kind = KINDS[(from + next++) % KINDS.length]!;
      await cycle(port, kind);
      done[kind]++;
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return performance.now() - start;
}

async function checkpoint(port: number): Promise<ModuleStats> {
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  return getJson<ModuleStats>(port, '/module-stats');
}

/** What the server should have reported, from the cycles that ran. */
function expectedReasons(): Record<string, number> {
  const replaced = done['replaced by same cookie'];
  return {
    client: done['leaves on open'] + done['leaves after first event'] + replaced,
    server: done['server disconnect, 204 on reconnect'],
    replaced,
  };
}

interface Check {
  what: string;
  start: string;
  end: string;
  expected: string;
  ok: boolean;
}

const show = (value: unknown) => (typeof value === 'object' ? JSON.stringify(value) : String(value));
const sameCounts = (a: Record<string, number>, b: Record<string, number>) =>
  Object.keys({ ...a, ...b }).every((key) => (a[key] ?? 0) === (b[key] ?? 0));

function checks(start: ModuleStats, end: ModuleStats): Check[] {
  const zero = (what: string, read: (stats: ModuleStats) => number | undefined): Check => {
    const [before, after] = [read(start), read(end)];
    return { what, start: show(before), end: show(after), expected: '0', ok: after === 0 };
  };
  const unchanged = (what: string, read: (stats: ModuleStats) => Record<string, number>): Check => {
    const [before, after] = [read(start), read(end)];
    return { what, start: show(before), end: show(after), expected: 'as at start', ok: sameCounts(before, after) };
  };
  const total = (what: string, counted: Record<string, number>, expected: Record<string, number>): Check => ({
    what,
    start: '—',
    end: show(counted),
    expected: show(expected),
    ok: sameCounts(counted, expected),
  });
  const reasons = expectedReasons();
  const refusals = done['server disconnect, 204 on reconnect'];
  const connects = Object.values(done).reduce((sum, n) => sum + n, 0) + done['replaced by same cookie'];
  return [
    zero('clients in the registry', (stats) => stats.clients),
    zero('groups', (stats) => stats.groups),
    zero('ids in the no-reconnect store', (stats) => stats.storeSize),
    zero('open HTTP connections', (stats) => stats.connections),
    unchanged('http server listeners', (stats) => stats.serverListeners),
    unchanged('process listeners', (stats) => stats.processListeners),
    unchanged('active resources', (stats) => stats.resources),
    total('reconnects after disconnect(), by status', reconnectStatuses, { 204: refusals }),
    {
      what: 'clientConnected$ events',
      start: '—',
      end: String(end.connectedEvents),
      expected: String(connects),
      ok: end.connectedEvents === connects,
    },
    total('clientDisconnected$ events, by reason', end.disconnectReasons, reasons),
  ];
}

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
const kb = (bytes: number) => `${bytes >= 0 ? '+' : ''}${(bytes / 1024).toFixed(0)}`;

async function measure() {
  const server = await ServerProcess.start('nestjs-sse', { SSE_STORE: 'memory', SSE_KEEPALIVE: args.keepalive, SSE_GROUPS: '1' });
  try {
    const port = server.port;
    await runCycles(port, 0, warmup);
    const start = await checkpoint(port);
    const half = Math.floor(cycles / 2);
    const firstHalfMs = await runCycles(port, warmup, half);
    const middle = await checkpoint(port);
    const secondHalfMs = await runCycles(port, warmup + half, cycles - half);
    const end = await checkpoint(port);
    const seconds = (firstHalfMs + secondHalfMs) / 1000;
    return { seconds, cyclesPerSecond: cycles / seconds, done, start, middle, end, checks: checks(start, end) };
  } finally {
    await server.stop();
  }
}

const result = await measure();

const header =
  `${cycles} connect/disconnect cycles after ${warmup} of warm-up, ${concurrency} at a time, kinds in turn, ` +
  `cookie ids, in-memory no-reconnect store, keepalive every ${args.keepalive} ms, settle ${settleMs} ms, Node ${process.version}. ` +
  'Counts by kind include the warm-up.';
const throughput = markdownTable(
  ['cycles', 'seconds', 'cycles/s', ...KINDS],
  ['---:', '---:', '---:', ...KINDS.map(() => '---:')],
  [
    [
      String(cycles),
      result.seconds.toFixed(1),
      Math.round(result.cyclesPerSecond).toLocaleString('en-US'),
      ...KINDS.map((kind) => String(done[kind])),
    ],
  ],
);
const counts = markdownTable(
  ['after the cycles', 'at start', 'at end', 'expected', 'ok'],
  ['---', '---', '---', '---', '---'],
  result.checks.map((check) => [check.what, check.start, check.end, check.expected, check.ok ? 'yes' : '**NO**']),
);
const memory = markdownTable(
  ['checkpoint, after a forced GC', 'cycles run', 'RSS MB', 'heapUsed MB'],
  ['---', '---:', '---:', '---:'],
  [
    ['start (after warm-up)', '0', mb(result.start.rss), mb(result.start.heapUsed)],
    ['middle', String(Math.floor(cycles / 2)), mb(result.middle.rss), mb(result.middle.heapUsed)],
    ['end', String(cycles), mb(result.end.rss), mb(result.end.heapUsed)],
    ['growth, middle to end (KB)', '', kb(result.end.rss - result.middle.rss), kb(result.end.heapUsed - result.middle.heapUsed)],
  ],
);
writeReport(args.out, args.name, { header, table: [throughput, counts, memory].join('\n\n'), data: result });
const failed = result.checks.filter((check) => !check.ok);
if (failed.length > 0) {
  console.error(`Left behind: ${failed.map((check) => check.what).join('; ')}`);
  process.exitCode = 1;
}
