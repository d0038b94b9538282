import { describe, expect, it } from '@jest/globals';
import { REPLAY_BYTES_PER_TURN, ReplayPacer } from './replay-pacer.js';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('ReplayPacer', () => {
  it('runs a replay at once while the turn has room', () => {
    const pacer = new ReplayPacer();
    const ran: number[] = [];
    pacer.run(() => ran.push(1) && 1000);
    pacer.run(() => ran.push(2) && 1000);
    expect(ran).toEqual([1, 2]);
    expect(pacer.hasRoom).toBe(true);
  });

  it('spreads a storm over turns of the event loop, in order, a turn’s budget at a time', async () => {
    const pacer = new ReplayPacer();
    const ran: number[] = [];
    const quarter = REPLAY_BYTES_PER_TURN / 4;
    for (let n = 0; n < 10; n++) pacer.run(() => ran.push(n) && quarter);
    // Four fill this turn's budget; the rest wait.
    expect(ran).toEqual([0, 1, 2, 3]);
    expect(pacer.hasRoom).toBe(false);
    await nextTurn();
    expect(ran).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    await nextTurn();
    expect(ran).toEqual([...Array(10).keys()]);
    // A turn later the budget is back.
    await nextTurn();
    expect(pacer.hasRoom).toBe(true);
  });

  it('lets a replay larger than a whole turn through, one per turn', async () => {
    const pacer = new ReplayPacer();
    const ran: number[] = [];
    for (let n = 0; n < 3; n++) pacer.run(() => ran.push(n) && 2 * REPLAY_BYTES_PER_TURN);
    expect(ran).toEqual([0]);
    await nextTurn();
    expect(ran).toEqual([0, 1]);
    await nextTurn();
    expect(ran).toEqual([0, 1, 2]);
  });
});
