import { describe, expect, it } from '@jest/globals';
import { type ClusterMessage, parseMessage, sendQuestion, toWire } from './cluster-protocol.js';

/**
 * One message of each kind, as instances exchange them. An instance on older or newer code reads
 * these very strings during a rolling deploy: a change that breaks this spec breaks deploys.
 */
const GOLDEN: [ClusterMessage, string][] = [
  [
    { t: 'send', o: 'i1', a: { kind: 'all' }, f: 'data: x\n\n', i: '1-1' },
    '{"t":"send","o":"i1","a":{"kind":"all"},"f":"data: x\\n\\n","i":"1-1"}',
  ],
  [
    { t: 'send', o: 'i1', a: { kind: 'group', group: 'room' }, f: 'data: y\n\n' },
    '{"t":"send","o":"i1","a":{"kind":"group","group":"room"},"f":"data: y\\n\\n"}',
  ],
  [{ t: 'retry', o: 'i1', f: 'retry: 500\n\n' }, '{"t":"retry","o":"i1","f":"retry: 500\\n\\n"}'],
  [
    { t: 'ask', o: 'i1', r: 7, q: { k: 'send', c: 'client-1', f: 'data: z\n\n', i: '2-0' } },
    '{"t":"ask","o":"i1","r":7,"q":{"k":"send","c":"client-1","f":"data: z\\n\\n","i":"2-0"}}',
  ],
  [{ t: 'ask', o: 'i1', r: 8, q: { k: 'has', c: 'client-1' } }, '{"t":"ask","o":"i1","r":8,"q":{"k":"has","c":"client-1"}}'],
  [{ t: 'ask', o: 'i1', r: 9, q: { k: 'disconnect', c: 'client-1' } }, '{"t":"ask","o":"i1","r":9,"q":{"k":"disconnect","c":"client-1"}}'],
  [{ t: 'ask', o: 'i1', r: 10, q: { k: 'count', g: 'room' } }, '{"t":"ask","o":"i1","r":10,"q":{"k":"count","g":"room"}}'],
  [{ t: 'answer', o: 'i2', to: 'i1', r: 7, v: 1 }, '{"t":"answer","o":"i2","to":"i1","r":7,"v":1}'],
  [{ t: 'answer', o: 'i2', to: 'i1', r: 9, e: 'store is down' }, '{"t":"answer","o":"i2","to":"i1","r":9,"e":"store is down"}'],
];

describe('the cluster protocol', () => {
  it.each(GOLDEN)('writes and reads %j as it always has', (message, wire) => {
    expect(toWire(message)).toBe(wire);
    expect(parseMessage(wire)).toEqual(message);
  });

  it.each([
    'not json',
    '1',
    'null',
    '{"t":"send","o":"x"}',
    '{"t":"send","o":"x","f":"data: no audience"}',
    '{"t":"send","o":"x","f":"d","a":{"kind":"room"}}',
    '{"t":"ask","o":"x","r":1,"q":{"k":"hack"}}',
    '{"t":"answer","o":"x","r":1}',
  ])('ignores %s, which is not its protocol', (raw) => {
    expect(parseMessage(raw)).toBeUndefined();
  });

  it('asks who has a client when the log delivers, and hands over the frame when not', () => {
    const frame = Buffer.from('data: hi\n\n');
    expect(sendQuestion('c1', { frame, id: '1-1', deliveredByLog: true })).toEqual({ k: 'has', c: 'c1' });
    expect(sendQuestion('c1', { frame, id: '1-1' })).toEqual({ k: 'send', c: 'c1', f: 'data: hi\n\n', i: '1-1' });
  });
});
