import { describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { SseEventAudience } from '../event-log/event-log.interface.js';
import { SseTimeoutError } from '../support/timeout.js';
import type { SseBackplane } from '../backplane/backplane.interface.js';
import { ClusterBus, type ClusterPeer } from './cluster-bus.js';
import type { ClusterQuestion } from './cluster-protocol.js';
import { delay } from '../../test/utils/wait.js';

/** Pub/sub inside one process: every subscriber gets every message, a tick later, like Redis. */
class LocalPubSub {
  readonly handlers = new Set<(message: string) => void>();

  backplane(): SseBackplane {
    return {
      subscribe: async (onMessage) => void this.handlers.add(onMessage),
      publish: async (message) => {
        const receivers = [...this.handlers];
        setImmediate(() => receivers.forEach((handler) => handler(message)));
        return receivers.length;
      },
    };
  }
}

interface FakeNode extends ClusterPeer {
  delivered: { audience: SseEventAudience; frame: string; id?: string }[];
}

function node(answer: (question: ClusterQuestion) => Promise<number>): FakeNode {
  const delivered: FakeNode['delivered'] = [];
  return {
    delivered,
    deliver: (audience, frame, id) => delivered.push({ audience, frame: frame.toString(), id }),
    retry: () => undefined,
    answer,
  };
}

async function cluster(answers: ((question: ClusterQuestion) => Promise<number>)[], timeout = 500) {
  const pubsub = new LocalPubSub();
  const nodes = answers.map(node);
  const buses = nodes.map((n) => new ClusterBus(pubsub.backplane(), n, timeout));
  await Promise.all(buses.map((bus) => bus.start()));
  return { pubsub, nodes, buses };
}

const never = () => new Promise<number>(() => undefined);

describe('ClusterBus', () => {
  it('delivers published events to the other instances, not back to the sender', async () => {
    const { nodes, buses } = await cluster([async () => 0, async () => 0, async () => 0]);
    buses[0]!.publishEvent({ kind: 'group', group: 'g' }, Buffer.from('data: x\n\n'), '7-0');
    await delay(10);
    expect(nodes[0]!.delivered).toEqual([]);
    for (const other of nodes.slice(1)) {
      expect(other.delivered).toEqual([{ audience: { kind: 'group', group: 'g' }, frame: 'data: x\n\n', id: '7-0' }]);
    }
  });

  it('sums the answers of the others; the asker answers 0 because it counts itself', async () => {
    const { buses } = await cluster([async () => 100, async () => 2, async () => 3]);
    await expect(buses[0]!.askSum({ k: 'count' })).resolves.toBe(5);
  });

  it('settles askAny at the first yes without waiting for the rest', async () => {
    const { buses } = await cluster([async () => 0, never, async () => 1], 5000);
    await expect(buses[0]!.askAny({ k: 'disconnect', c: 'x' })).resolves.toBe(true);
    const { buses: none } = await cluster([async () => 0, async () => 0, async () => 0]);
    await expect(none[0]!.askAny({ k: 'disconnect', c: 'x' })).resolves.toBe(false);
  });

  it('rejects, naming how many answered, when an instance does not answer in time', async () => {
    const { buses } = await cluster([async () => 0, async () => 1, never], 100);
    const asked = buses[0]!.askSum({ k: 'count' });
    await expect(asked).rejects.toBeInstanceOf(SseTimeoutError);
    await expect(asked).rejects.toThrow(/asked over the nestjs-sse:BACKPLANE, did not answer within 100 ms\. 2 of 3 answered/);
  });

  it('passes on the error of an instance that failed to answer', async () => {
    const failing = async () => {
      throw new Error('store down over there');
    };
    const { buses } = await cluster([async () => 0, failing]);
    await expect(buses[0]!.askAny({ k: 'disconnect', c: 'x' })).rejects.toThrow(
      /Another instance failed to answer .*store down over there/,
    );
  });

  it('rejects at once, with the cause, when the backplane cannot publish', async () => {
    const down: SseBackplane = {
      subscribe: async () => undefined,
      publish: async () => {
        throw new Error('The client is offline');
      },
    };
    const bus = new ClusterBus(
      down,
      node(async () => 0),
      5000,
    );
    await bus.start();
    await expect(bus.askSum({ k: 'count' })).rejects.toThrow(/could not reach the other instances: The client is offline/);
  });

  it('ignores messages on the channel that are not its own protocol', async () => {
    const { pubsub, nodes, buses } = await cluster([async () => 0, async () => 0]);
    const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    for (const handler of pubsub.handlers) {
      for (const foreign of [
        'not json',
        '1',
        'null',
        '{"t":"send","o":"x"}',
        '{"t":"send","o":"x","f":"data: no audience"}',
        '{"t":"ask","o":"x","r":1,"q":{"k":"hack"}}',
      ]) {
        handler(foreign);
      }
      handler('{"t":"answer","o":"x","to":"someone-else","r":1,"v":1}');
    }
    buses[0]!.publishEvent({ kind: 'all' }, Buffer.from('data: ok\n\n'), undefined);
    await delay(10);
    expect(nodes[1]!.delivered.map((d) => d.frame)).toEqual(['data: ok\n\n']);
    expect(errors).not.toHaveBeenCalled();
    errors.mockRestore();
  });
});
