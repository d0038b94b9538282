// The clients of a reconnect storm, in a process of their own as real browsers would be, so that
// parsing their streams does not slow the server down. Run by storm.e2e-spec.ts through the
// TypeScript loader: it opens its connections, says READY, writes every request at once on GO,
// and prints one RESULT line once every stream has the last event, or after 30 s.
import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import { parseEvents, RawConnection, readChunked } from '../utils/raw-connection.js';

export interface StormResult {
  /** How many streams received `expected` exactly: every event once, in order. */
  exact: number;
  /** For the others, what they received: event count and how many of those were repeats. */
  wrong: { events: number; repeated: number }[];
}

const [url, lastEventId, count, expectedDigest, lastData] = process.argv.slice(2) as [string, string, string, string, string];

const connections = await Promise.all(Array.from({ length: Number(count) }, () => RawConnection.open(url)));
console.log('READY');
const lines = createInterface({ input: process.stdin });
await new Promise<void>((resolve) => lines.once('line', () => resolve()));
for (const connection of connections) connection.get('/events', '1.1', { 'Last-Event-ID': lastEventId });

const marker = `data: ${lastData}\n`;
const deadline = Date.now() + 30_000;
while (Date.now() < deadline && !connections.every((connection) => connection.received.subarray(-512).includes(marker))) {
  await new Promise((resolve) => setTimeout(resolve, 50));
}
const result: StormResult = { exact: 0, wrong: [] };
for (const connection of connections) {
  const data = parseEvents(readChunked(connection.received).body).map((event) => event.data);
  if (digest(data) === expectedDigest) result.exact++;
  else result.wrong.push({ events: data.length, repeated: data.length - new Set(data).size });
  connection.socket.destroy();
}
console.log(`RESULT ${JSON.stringify(result)}`);
lines.close();

function digest(data: string[]): string {
  return createHash('sha1').update(data.join('\n')).digest('hex');
}
