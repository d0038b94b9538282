import { describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { flushed, queuedClient } from '../../test/utils/client-doubles.js';
import { ClientRegistry } from '../clients/client-registry.js';
import { Metrics } from '../support/metrics.js';
import { OutageLog } from '../support/outage-log.js';
import { Dispatcher } from './dispatcher.js';
import { EventEncoder } from './event-encoder.js';
import { Replay } from './replay.js';
import { SendSequencer } from './send-sequencer.js';

function setup(...ids: string[]) {
  const registry = new ClientRegistry();
  const outage = new OutageLog(new Logger('test'), 'the log', 'Nothing is logged meanwhile.');
  const replay = new Replay(null, outage, 200, registry);
  const dispatcher = new Dispatcher(
    registry,
    new EventEncoder(null, outage, 200, new Metrics()),
    new SendSequencer(),
    replay,
    new Logger('test'),
  );
  const clients = ids.map((id) => queuedClient(id));
  for (const { client } of clients) registry.add(client);
  return { registry, replay, dispatcher, clients };
}

describe('Dispatcher', () => {
  it('routes to everyone, to a group’s members, to one client, or to those a filter picks', async () => {
    const { registry, dispatcher, clients } = setup('a', 'b', 'c');
    const [a, b, c] = clients;
    registry.join('room', a!.client);
    await dispatcher.dispatch('all', { kind: 'all' });
    await dispatcher.dispatch('room', { kind: 'group', group: 'room' });
    await dispatcher.dispatch('just b', { kind: 'client', clientId: 'b' });
    await dispatcher.dispatch('filtered', { kind: 'all' }, (client) => client.id === 'c');
    await flushed();
    expect([a, b, c].map(({ writer }) => writer.text)).toEqual([
      'data: all\n\ndata: room\n\n',
      'data: all\n\ndata: just b\n\n',
      'data: all\n\ndata: filtered\n\n',
    ]);
  });

  it('hands a shared send to what else it goes to, and not a filtered one', async () => {
    const { dispatcher } = setup('a');
    const onward: string[] = [];
    await dispatcher.dispatch('shared', { kind: 'all' }, undefined, ({ frame }) => onward.push(frame.toString()));
    expect(onward).toEqual(['data: shared\n\n']);
  });

  it('holds for a client being resumed what it may become a recipient of by the end of its replay read', async () => {
    const { registry, replay, dispatcher, clients } = setup('resuming');
    const [resuming] = clients;
    replay.resuming.add(resuming!.client);
    resuming!.client.queue.startHold();
    await dispatcher.dispatch('to the room', { kind: 'group', group: 'room' });
    await dispatcher.dispatch('to another room', { kind: 'group', group: 'other' });
    registry.join('room', resuming!.client);
    resuming!.client.queue.releaseHold({ frames: [], ids: new Set() });
    await flushed();
    expect(resuming!.writer.text).toBe('data: to the room\n\n');
  });

  it('delivers what the log delivers, and logs what it cannot frame instead of throwing', async () => {
    const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const { dispatcher, clients } = setup('a');
    dispatcher.deliverLogged({ id: '1-1', body: 'data: from the log\n\n', audience: { kind: 'all' } });
    expect(() => dispatcher.deliverLogged({ id: 'bad\nid', body: 'data: x\n\n', audience: { kind: 'all' } })).not.toThrow();
    await flushed();
    expect(clients[0]!.writer.text).toBe('id: 1-1\ndata: from the log\n\n');
    expect(errors).toHaveBeenCalledWith(
      expect.stringContaining('gave an event that cannot be written (id "bad\\nid")'),
      expect.any(String),
    );
    errors.mockRestore();
  });
});
