import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { allReceive, CountingStream, getJson, openStreams } from './load.js';
import { markdownTable, RESULTS_DIR, writeReport } from './report.js';
import { ServerProcess } from './server-process.js';

/**
 * The reconnect storm bench. N clients are connected to a server with an event log and have seen
 * a first event; every connection is cut at once (a deploy, a network blip); M events are sent
 * meanwhile; then every client reconnects with its Last-Event-ID, all requests written at once on
 * connections opened beforehand (so that the kernel's accept queue is not what is measured).
 * Measured: the time until every client has all M events, the log's since() calls, and the
 * server's peak RSS and event-loop delay during the storm. `--before <git ref>` builds the library
 * at that commit too and runs both builds side by side, round by round. `--floor` adds the same
 * storm without Last-Event-ID: what the HTTP layer and the handshake cost, with nothing to replay.
 */
const { values: args } = parseArgs({
  options: {
    clients: { type: 'string', default: '1000,10000' },
    events: { type: 'string', default: '1000' },
    bytes: { type: 'string', default: '64' },
    logs: { type: 'string', default: 'memory,redis' },
    platform: { type: 'string', default: 'express' },
    floor: { type: 'boolean', default: false },
    before: { type: 'string' },
    rounds: { type: 'string', default: '1' },
    timeout: { type: 'string', default: '120000' },
    /** Writes a CPU profile of each storm's server to <dir>/<log>-<clients>-<n>.cpuprofile. */
    profile: { type: 'string' },
    name: { type: 'string', default: 'storm' },
    out: { type: 'string', default: RESULTS_DIR },
  },
});
const events = Number(args.events);
const bytes = Number(args.bytes);
const timeout = Number(args.timeout);

interface Build {
  label: string;
  /** SSE_LIB for the server: the build's index.js. */
  lib: string;
  /** False for the floor: the clients come back without Last-Event-ID. */
  resume: boolean;
}

interface Sample {
  build: string;
  log: string;
  clients: number;
  /** ms from the requests to the last client having every event (the floor: being connected); undefined if some never did. */
  caughtUpMs?: number;
  /** Clients that got more frames than were sent: a repeat. */
  overfed: number;
  reads: number;
  peakRssMb: number;
  loopP99: number;
  loopMax: number;
}

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const repo = here('../../');

/** The library as it was at `ref`, built into a directory of its own with this checkout's node_modules. */
function buildAt(ref: string): Build {
  const dir = mkdtempSync(join(tmpdir(), 'nestjs-sse-storm-'));
  const archive = execFileSync('git', ['archive', ref, 'lib', 'tsconfig.json', 'tsconfig.build.json'], { cwd: repo });
  execFileSync('tar', ['-x', '-C', dir], { input: archive });
  symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'));
  execFileSync(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
    cwd: dir,
    stdio: 'inherit',
  });
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return { label: `before (${ref})`, lib: join(dir, 'dist/index.js'), resume: true };
}

/** A connection opened ahead of the storm; `request` writes its GET, and frames are counted from then on. */
function openSocket(port: number, localAddress: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress }, () => resolve(socket));
    socket.once('error', reject);
  });
}

async function openSockets(port: number, count: number, localAddress: string): Promise<Socket[]> {
  const sockets: Socket[] = [];
  for (let from = 0; from < count; from += 500) {
    const batch = Math.min(500, count - from);
    sockets.push(...(await Promise.all(Array.from({ length: batch }, () => openSocket(port, localAddress)))));
  }
  return sockets;
}

async function until(port: number, clients: number): Promise<void> {
  while ((await getJson<{ clients: number }>(port, '/count')).clients !== clients) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function storm(build: Build, log: string, clients: number, run: number): Promise<Sample> {
  const profile: Record<string, string> = args.profile ? { STORM_PROFILE: join(args.profile, `${log}-${clients}-${run}.cpuprofile`) } : {};
  const server = await ServerProcess.start('storm', { SSE_LIB: build.lib, SSE_LOG: log, SSE_PLATFORM: args.platform, ...profile });
  const localAddress = `127.0.${10 + (run % 240)}.${10 + (run % 200)}`;
  const sample: Sample = { build: build.label, log, clients, overfed: 0, reads: 0, peakRssMb: 0, loopP99: 0, loopMax: 0 };
  let sockets: Socket[] = [];
  try {
    const first = await openStreams({ port: server.port, count: clients, localAddress });
    const seen = allReceive(first, 1, timeout);
    const { lastId } = await getJson<{ lastId: string }>(server.port, '/send?m=1&b=8');
    await seen;
    first.forEach((stream) => stream.destroy());
    await until(server.port, 0);
    await getJson(server.port, `/send?m=${events}&b=${bytes}`);

    sockets = await openSockets(server.port, clients, localAddress);
    const streams = sockets.map((socket) => new CountingStream(socket));
    const caughtUp = build.resume ? allReceive(streams, events, timeout) : until(server.port, clients);
    await getJson(server.port, '/storm-start');
    const resumeFrom = build.resume ? `Last-Event-ID: ${lastId}\r\n` : '';
    const request = `GET /sse HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n${resumeFrom}\r\n`;
    const start = performance.now();
    for (const socket of sockets) socket.write(request);
    sample.caughtUpMs = await caughtUp.then(
      () => performance.now() - start,
      () => undefined,
    );
    // Anything past the M frames is a repeat; give it a moment to arrive.
    await new Promise((resolve) => setTimeout(resolve, 200));
    sample.overfed = streams.filter((stream) => stream.frames > (build.resume ? events : 0)).length;
    const stats = await getJson<{ reads: number; peakRss: number; loopP99: number; loopMax: number }>(server.port, '/storm-stats');
    Object.assign(sample, { reads: stats.reads, peakRssMb: stats.peakRss / 2 ** 20, loopP99: stats.loopP99, loopMax: stats.loopMax });
    return sample;
  } finally {
    await server.stop();
    sockets.forEach((socket) => socket.destroy());
  }
}

async function main(): Promise<void> {
  if (args.profile) mkdirSync(args.profile, { recursive: true });
  const builds: Build[] = [
    ...(args.before ? [buildAt(args.before)] : []),
    { label: 'this checkout', lib: join(repo, 'dist/index.js'), resume: true },
    ...(args.floor ? [{ label: 'floor: no Last-Event-ID', lib: join(repo, 'dist/index.js'), resume: false }] : []),
  ];
  const samples: Sample[] = [];
  let run = 0;
  for (const log of args.logs.split(',')) {
    for (const clients of args.clients.split(',').map(Number)) {
      for (let round = 0; round < Number(args.rounds); round++) {
        // Alternate which build goes first, so neither always meets a warm (or tired) machine.
        const order = round % 2 === 0 ? builds : [...builds].reverse();
        for (const build of order) {
          const sample = await storm(build, log, clients, run++);
          samples.push(sample);
          console.error(`${log}, ${clients} clients, ${build.label}: ${JSON.stringify(sample)}`);
        }
      }
    }
  }
  const seconds = (ms?: number) => (ms === undefined ? `not within ${timeout / 1000} s` : `${(ms / 1000).toFixed(2)} s`);
  const rows = samples.map((s) => [
    s.log,
    String(s.clients),
    s.build,
    seconds(s.caughtUpMs),
    String(s.reads),
    String(s.overfed),
    s.peakRssMb.toFixed(0),
    s.loopP99.toFixed(0),
    s.loopMax.toFixed(0),
  ]);
  writeReport(args.out, args.name, {
    header: `Reconnect storm on ${args.platform}: every client ${events} events of ${bytes} B behind, all requests at once (node ${process.version})`,
    table: markdownTable(
      ['log', 'clients', 'build', 'all caught up', 'since() calls', 'clients with a repeat', 'peak RSS MB', 'loop p99 ms', 'loop max ms'],
      ['---', '---:', '---', '---:', '---:', '---:', '---:', '---:', '---:'],
      rows,
    ),
    data: samples,
  });
}

await main();
