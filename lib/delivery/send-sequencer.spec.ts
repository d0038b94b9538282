import { describe, expect, it } from '@jest/globals';
import { delay } from '../../test/utils/wait.js';
import { SendSequencer } from './send-sequencer.js';

describe('SendSequencer', () => {
  it('delivers a ready value at once, in the caller’s tick', () => {
    const delivered: string[] = [];
    void new SendSequencer().run('now', (value) => delivered.push(value));
    expect(delivered).toEqual(['now']);
  });

  it('keeps call order when earlier values are still on their way, and a failed one does not stop the rest', async () => {
    const sequencer = new SendSequencer();
    const delivered: string[] = [];
    const slow = delay(30).then(() => 'first');
    const failing = Promise.reject(new Error('log down'));
    const sends = [
      sequencer.run(slow, (value) => delivered.push(value)),
      sequencer.run(failing, (value) => delivered.push(value)),
      sequencer.run('third', (value) => delivered.push(value)),
    ];
    expect(delivered).toEqual([]);
    const settled = await Promise.allSettled(sends);
    expect(delivered).toEqual(['first', 'third']);
    expect(settled.map(({ status }) => status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    await expect(sequencer.idle()).resolves.toBeUndefined();
  });

  it('does not wait for what a delivery starts', async () => {
    const sequencer = new SendSequencer();
    const delivered: string[] = [];
    void sequencer.run(
      delay(5).then(() => 'asks the cluster'),
      () => {
        delivered.push('asked');
        return new Promise(() => undefined);
      },
    );
    await sequencer.run('next', (value) => delivered.push(value));
    expect(delivered).toEqual(['asked', 'next']);
  });
});
