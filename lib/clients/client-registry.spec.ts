import { describe, expect, it } from '@jest/globals';
import type { ClientQueue } from './client-queue.js';
import type { SseClient } from './sse-client.js';
import { ClientRegistry } from './client-registry.js';

/** The registry reads only a client's id and queue; the rest of the handle is not needed here. */
const client = (id: string) => ({ id, queue: { of: id } as unknown as ClientQueue }) as SseClient;

describe('ClientRegistry', () => {
  it('finds clients by id, and a client object only while it is the connected one', () => {
    const registry = new ClientRegistry();
    const first = client('a');
    registry.add(first);
    expect(registry.get('a')).toBe(first);
    expect(registry.current('a')).toBe(first);
    expect(registry.current(first)).toBe(first);
    const replacement = client('a');
    registry.add(replacement);
    expect(registry.current(first)).toBeUndefined();
    registry.remove(first);
    expect(registry.get('a')).toBe(replacement);
    expect(registry.size).toBe(1);
  });

  it('keeps the queues of exactly the connected clients, a replaced one dropped as its replacement comes', () => {
    const registry = new ClientRegistry();
    const [a, b, replacement] = [client('a'), client('b'), client('a')];
    registry.add(a);
    registry.add(b);
    expect([...registry.allQueues()]).toEqual([a.queue, b.queue]);
    registry.add(replacement);
    expect([...registry.allQueues()]).toEqual([b.queue, replacement.queue]);
    registry.remove(a);
    expect([...registry.allQueues()]).toEqual([b.queue, replacement.queue]);
    registry.remove(replacement);
    registry.remove(b);
    expect([...registry.allQueues()]).toEqual([]);
  });

  it('keeps groups both ways, and deletes a group once it is empty', () => {
    const registry = new ClientRegistry();
    const [a, b] = [client('a'), client('b')];
    registry.add(a);
    registry.add(b);
    registry.join('room', a);
    registry.join('room', b);
    registry.join('lobby', a);
    expect([...registry.members('room')]).toEqual([a, b]);
    expect(registry.groupsOf(a)).toEqual(['room', 'lobby']);
    expect(registry.count('room')).toBe(2);
    expect(registry.leave('room', a)).toBe(true);
    expect(registry.leave('room', a)).toBe(false);
    registry.remove(b);
    expect(registry.groupNames()).toEqual(['lobby']);
    expect(registry.isMember('room', b)).toBe(false);
    expect([...registry.members('nowhere')]).toEqual([]);
  });
});
