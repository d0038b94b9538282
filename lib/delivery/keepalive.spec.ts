import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { queuedClient } from '../../test/utils/client-doubles.js';
import { ClientRegistry } from '../clients/client-registry.js';
import { Keepalive } from './keepalive.js';

describe('Keepalive', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('keeps every idle stream alive with one timer, ticking every half interval, only while started', () => {
    jest.useFakeTimers();
    const registry = new ClientRegistry();
    const clients = ['a', 'b', 'c'].map((id) => queuedClient(id));
    for (const { client } of clients) registry.add(client);
    const keepalive = new Keepalive({ interval: 1000, frame: Buffer.from(':\n\n') }, registry);
    keepalive.start();
    keepalive.start();
    expect(jest.getTimerCount()).toBe(1);
    jest.advanceTimersByTime(600);
    clients[0]!.client.queue.enqueue(Buffer.from('busy'));
    jest.advanceTimersByTime(400);
    jest.runAllTicks();
    // Ticks at 500 and 1000 ms: the idle streams got a keepalive; the one sent to at 600 ms did not.
    expect(clients.map(({ writer }) => writer.text)).toEqual(['busy', ':\n\n', ':\n\n']);
    keepalive.stop();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('does nothing when keepalives are off', () => {
    jest.useFakeTimers();
    new Keepalive(undefined, new ClientRegistry()).start();
    expect(jest.getTimerCount()).toBe(0);
  });
});
