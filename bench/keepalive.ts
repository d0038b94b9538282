import { parseArgs } from 'node:util';
import { type CountingStream, getJson, openStreams } from './load.js';
import { markdownTable, RESULTS_DIR, writeReport } from './report.js';
import { ServerProcess } from './server-process.js';
import type { Stats } from './servers/shared.js';
import { median } from './stats.js';

/**
 * Keepalive at scale, for this module: N idle streams, with a keepalive every `interval` ms and
 * without one. Reports the server's active timers before and after the streams opened (one
 * keepalive timer serves them all), its CPU time over `seconds` of idleness, and the keepalive
 * frames each client received in that window.
 */
const { values: args } = parseArgs({
  options: {
    clients: { type: 'string', default: '10000' },
    interval: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '10' },
    name: { type: 'string', default: 'keepalive' },
    out: { type: 'string', default: RESULTS_DIR },
  },
});
const clients = Number(args.clients);
const interval = Number(args.interval);
const windowMs = Number(args.seconds) * 1000;

interface Result {
  keepalive: boolean;
  timersBefore: number;
  timersWithStreams: number;
  cpuMsPerSecond: number;
  framesPerClient: number[];
}

async function measure(keepalive: boolean): Promise<Result> {
  const env = { BENCH_COUNT_TIMERS: '1', ...(keepalive ? { SSE_KEEPALIVE: String(interval) } : {}) };
  const server = await ServerProcess.start('nestjs-sse', env);
  let streams: CountingStream[] = [];
  try {
    const stats = (gc = true) => getJson<Stats>(server.port, `/stats${gc ? '' : '?gc=0'}`);
    const timersBefore = (await stats()).timers!;
    streams = await openStreams({ port: server.port, count: clients, localAddress: '127.0.0.30' });
    const timersWithStreams = (await stats()).timers!;
    const framesBefore = streams.map((stream) => stream.frames);
    const start = await stats(false);
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const end = await stats(false);
    return {
      keepalive,
      timersBefore,
      timersWithStreams,
      cpuMsPerSecond: (end.cpuMicros - start.cpuMicros) / 1000 / (windowMs / 1000),
      framesPerClient: streams.map((stream, i) => stream.frames - framesBefore[i]!),
    };
  } finally {
    streams.forEach((stream) => stream.destroy());
    await server.stop();
  }
}

const results = [await measure(true), await measure(false)];
const [on, off] = results as [Result, Result];
const framesSent = on.framesPerClient.reduce((sum, frames) => sum + frames, 0);
const nsPerKeepalive = ((on.cpuMsPerSecond - off.cpuMsPerSecond) * (windowMs / 1000) * 1e6) / framesSent;
const header =
  `${clients} idle streams, keepalive every ${interval} ms (the timer ticks every ${interval / 2} ms), ` +
  `${windowMs / 1000} s window, Node ${process.version}`;
const table = markdownTable(
  ['keepalive', 'timers before streams', 'timers with streams', 'server CPU ms per second', 'frames per client in window (min / median)'],
  ['---', '---:', '---:', '---:', '---:'],
  results.map((r) => [
    r.keepalive ? `every ${interval} ms` : 'off',
    String(r.timersBefore),
    String(r.timersWithStreams),
    r.cpuMsPerSecond.toFixed(1),
    `${Math.min(...r.framesPerClient)} / ${median(r.framesPerClient)}`,
  ]),
);
writeReport(args.out, args.name, {
  header,
  table: `${table}\n\nServer CPU per keepalive delivered (the difference between the two runs over the frames sent): ${(nsPerKeepalive / 1000).toFixed(1)} µs.`,
  data: { results: results.map(({ framesPerClient, ...rest }) => ({ ...rest, framesPerClient: median(framesPerClient) })), nsPerKeepalive },
});
