import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { lineChart } from './chart.js';
import { allReceive, type CountingStream, getJson, openStreams } from './load.js';
import { SERVERS, type ServerName, ServerProcess } from './server-process.js';
import { markdownTable, RESULTS_DIR, writeReport } from './report.js';
import { median } from './stats.js';

/**
 * The fan-out bench: each server in its own process, this process as the load. For every client
 * count, rounds run the servers interleaved; the report gives each server's median.
 */
const { values: args } = parseArgs({
  options: {
    clients: { type: 'string', default: '1000,5000' },
    events: { type: 'string', default: '200' },
    bytes: { type: 'string', default: '64' },
    rounds: { type: 'string', default: '3' },
    spread: { type: 'boolean', default: false },
    name: { type: 'string', default: 'latest' },
    servers: { type: 'string', default: Object.keys(SERVERS).join(',') },
    out: { type: 'string', default: RESULTS_DIR },
  },
});
const clientCounts = args.clients.split(',').map(Number);
const events = Number(args.events);
const bytes = Number(args.bytes);
const rounds = Number(args.rounds);
const servers = args.servers.split(',') as ServerName[];

interface Sample {
  server: ServerName;
  clients: number;
  eventsPerSecond: number;
  openMs: number;
  idleKbPerStream: number;
}

async function measure(name: ServerName, clients: number, localAddress: string): Promise<Sample> {
  const server = await ServerProcess.start(name);
  let streams: CountingStream[] = [];
  try {
    const before = (await getJson<{ rss: number }>(server.port, '/stats')).rss;
    const opening = performance.now();
    streams = await openStreams({ port: server.port, count: clients, localAddress });
    const openMs = performance.now() - opening;
    await new Promise((resolve) => setTimeout(resolve, 300));
    const after = (await getJson<{ rss: number }>(server.port, '/stats')).rss;
    const delivered = allReceive(streams, events, 180_000);
    const start = performance.now();
    await getJson(server.port, `/burst?m=${events}&b=${bytes}${args.spread ? '&spread=1' : ''}`);
    await delivered;
    const seconds = (performance.now() - start) / 1000;
    return {
      server: name,
      clients,
      eventsPerSecond: (clients * events) / seconds,
      openMs,
      idleKbPerStream: (after - before) / 1024 / clients,
    };
  } finally {
    await server.stop();
    streams.forEach((stream) => stream.destroy());
  }
}

async function main(): Promise<void> {
  const samples: Sample[] = [];
  let run = 0;
  for (const clients of clientCounts) {
    for (let round = 0; round < rounds; round++) {
      // Rotate the order each round so no server always runs first (or last) on a warm machine.
      const order = servers.map((_, i) => servers[(i + round) % servers.length]!);
      for (const name of order) {
        run++;
        const sample = await measure(name, clients, `127.0.${10 + (run % 240)}.${10 + round}`);
        samples.push(sample);
        console.error(
          `${clients} clients, round ${round + 1}: ${name} ${Math.round(sample.eventsPerSecond)} events/s, open ${Math.round(sample.openMs)} ms, ${sample.idleKbPerStream.toFixed(1)} KB/stream`,
        );
      }
    }
  }
  report(samples);
}

function report(samples: Sample[]): void {
  const rows = clientCounts.flatMap((clients) => {
    const of = (name: ServerName) => samples.filter((s) => s.server === name && s.clients === clients);
    const bare = median(of('bare').map((s) => s.eventsPerSecond));
    return servers.map((name) => {
      const mine = of(name);
      const eventsPerSecond = median(mine.map((s) => s.eventsPerSecond));
      return {
        clients,
        server: name,
        eventsPerSecond,
        ratio: eventsPerSecond / bare,
        nsPerDelivery: 1e9 / eventsPerSecond,
        openMs: median(mine.map((s) => s.openMs)),
        idleKbPerStream: median(mine.map((s) => s.idleKbPerStream)),
      };
    });
  });
  const mode = args.spread ? 'one event per macrotask' : 'one synchronous burst';
  const header = `${events} events of ${bytes} B (${mode}), median of ${rounds} interleaved rounds, Node ${process.version}`;
  const table = markdownTable(
    ['clients', 'server', 'events/s', 'vs bare', 'ns per delivery', 'open all streams', 'idle KB/stream'],
    ['---:', '---', '---:', '---:', '---:', '---:', '---:'],
    rows.map((r) => [
      String(r.clients),
      SERVERS[r.server],
      Math.round(r.eventsPerSecond).toLocaleString('en-US'),
      r.ratio.toFixed(2),
      String(Math.round(r.nsPerDelivery)),
      `${Math.round(r.openMs)} ms`,
      r.idleKbPerStream.toFixed(1),
    ]),
  );
  const svg = lineChart(
    `Delivered events/s (${events} × ${bytes} B, ${mode})`,
    'connected clients',
    'events/s, all clients',
    servers.map((name) => ({
      label: SERVERS[name],
      points: rows.filter((r) => r.server === name).map((r) => ({ x: r.clients, y: r.eventsPerSecond })),
    })),
  );
  writeReport(args.out, args.name, { header, table, data: { samples, rows }, svg });
}

await main();
