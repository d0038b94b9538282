// The EventSources of a drain test, in a process of their own as real browsers would be, so that
// the instance shutting down in the test's process does not hold up their reconnect timers. Run by
// drain.e2e-spec.ts through the TypeScript loader: it opens COUNT EventSources on instance A and
// says READY; on SWITCH (A is about to close) their reconnects go to instance B; once every one has
// reconnected, or after the timeout, it prints one RESULT line.
import { createInterface } from 'node:readline';
import { EventSource } from 'eventsource';
import { openEventSource } from '../utils/browser-like-event-source.js';

export interface DrainResult {
  /**
   * For each EventSource, ms from the shutdown event (the end of its stream on A) to its asking B
   * for a stream: the `retry:` A drew for it, as the client lived it, whatever A's close or B's
   * answer took.
   */
  delays: number[];
  /** How many have their stream on B open. */
  reopened: number;
  /** How many got the shutdown event last, before their stream ended. */
  toldShutdown: number;
  /** How many stopped for good (readyState CLOSED): an EventSource that gives up. */
  closed: number;
}

const [urlA, urlB, count, timeout] = process.argv.slice(2) as [string, string, string, string];
let target = urlA;
const delays: number[] = [];
let reopened = 0;
const sources = Array.from({ length: Number(count) }, () => {
  let endedAt = 0;
  // Called for each request the EventSource makes: the moment its retry timer fired.
  const chooseInstance = () => {
    if (endedAt > 0) delays.push(Date.now() - endedAt);
    return `${target}/events`;
  };
  const es = openEventSource(chooseInstance, ['shutdown']);
  es.source.addEventListener('shutdown', () => (endedAt = Date.now()));
  es.source.addEventListener('open', () => endedAt > 0 && reopened++);
  return es;
});
await Promise.all(sources.map(({ opened }) => opened));
console.log('READY');
const lines = createInterface({ input: process.stdin });
await new Promise<void>((resolve) => lines.once('line', () => resolve()));
target = urlB;

const deadline = Date.now() + Number(timeout);
while (reopened < sources.length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
const result: DrainResult = {
  delays,
  reopened,
  toldShutdown: sources.filter(({ messages }) => messages.some(({ type }) => type === 'shutdown')).length,
  closed: sources.filter(({ source }) => source.readyState === EventSource.CLOSED).length,
};
console.log(`RESULT ${JSON.stringify(result)}`);
for (const { source } of sources) source.close();
lines.close();
