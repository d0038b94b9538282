import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { ReplayHold } from './replay-hold.js';

const frame = (text: string) => Buffer.from(text);
const texts = (frames: Buffer[]) => frames.map((f) => f.toString());

describe('ReplayHold', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('writes the replay first, then what was held, without what the replay already carries', () => {
    const hold = new ReplayHold();
    hold.hold(frame('live 2'), '2');
    hold.hold(frame('live 3'), '3');
    hold.hold(frame('unlogged'), undefined);
    const ahead = hold.release({ frames: [frame('missed 1'), frame('missed 2')], ids: new Set(['1', '2']) });
    expect(texts(ahead)).toEqual(['missed 1', 'missed 2', 'live 3', 'unlogged']);
    expect(hold.holding).toBe(false);
  });

  it('asks at release whether a frame held for someone else has become the client’s', () => {
    const hold = new ReplayHold();
    let member = false;
    hold.hold(frame('to the group'), 'g1', () => member);
    hold.hold(frame('to another group'), 'g2', () => false);
    member = true;
    expect(texts(hold.release({ frames: [], ids: new Set() }))).toEqual(['to the group']);
  });

  it('skips live copies of replayed events for a while after, then lets go', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const hold = new ReplayHold();
    hold.release({ frames: [frame('missed')], ids: new Set(['7']) });
    expect(hold.repeats('7')).toBe(true);
    expect(hold.repeats('8')).toBe(false);
    expect(hold.repeats(undefined)).toBe(false);
    expect(hold.spent).toBe(false);
    jest.setSystemTime(1_000_000 + 10_001);
    expect(hold.repeats('7')).toBe(false);
    expect(hold.spent).toBe(true);
  });

  it('is spent at once when the replay carried nothing', () => {
    const hold = new ReplayHold();
    expect(hold.spent).toBe(false);
    hold.release({ frames: [], ids: new Set() });
    expect(hold.spent).toBe(true);
  });
});
