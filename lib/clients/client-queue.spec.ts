import { describe, expect, it } from '@jest/globals';
import { flushed, queuedClient, queueSettings } from '../../test/utils/client-doubles.js';

const frame = (text: string) => Buffer.from(text);

describe('ClientQueue', () => {
  it('writes what one tick queued in one write', async () => {
    const { client, writer } = queuedClient('a');
    client.queue.enqueue(frame('1'));
    client.queue.enqueue(frame('2'));
    await flushed();
    client.queue.enqueue(frame('3'));
    await flushed();
    expect(writer.writes).toEqual(['12', '3']);
  });

  it('drops a client that has not read what earlier writes left, rather than buffering for it', async () => {
    const { client, writer, overflowed } = queuedClient('a', queueSettings(100));
    writer.buffered = 101;
    client.queue.enqueue(frame('never written'));
    await flushed();
    expect(overflowed()).toBe(true);
    expect(writer.writes).toEqual([]);
  });

  it('still writes an event larger than the cap to a client that keeps up', async () => {
    const { client, writer, overflowed } = queuedClient('a', queueSettings(10));
    client.queue.enqueue(frame('x'.repeat(100)));
    await flushed();
    expect(overflowed()).toBe(false);
    expect(writer.writes).toHaveLength(1);
  });

  it('writes a keepalive on the second quiet tick in a row only', async () => {
    const { client, writer } = queuedClient('a');
    const ping = frame(':\n\n');
    client.queue.keepalive(ping);
    client.queue.enqueue(frame('event'));
    await flushed();
    client.queue.keepalive(ping);
    await flushed();
    client.queue.keepalive(ping);
    await flushed();
    expect(writer.writes).toEqual(['event', ':\n\n']);
  });

  it('holds what comes while the replay is read, then writes the replay first and skips copies of it', async () => {
    const { client, writer } = queuedClient('a');
    client.queue.startHold();
    client.queue.enqueue(frame('[live 2]'), '2');
    client.queue.enqueue(frame('[live 3]'), '3');
    await flushed();
    expect(writer.writes).toEqual([]);
    client.queue.releaseHold({ frames: [frame('[missed 1]'), frame('[missed 2]')], ids: new Set(['1', '2']) });
    client.queue.enqueue(frame('[late copy of 2]'), '2');
    await flushed();
    expect(writer.text).toBe('[missed 1][missed 2][live 3]');
  });

  it('writes a replay ahead of what was queued without a hold (a log that answers at once)', async () => {
    const { client, writer } = queuedClient('a');
    client.queue.enqueue(frame('[sent by a connected handler]'));
    client.queue.releaseHold({ frames: [frame('[missed]')], ids: new Set(['m']) });
    await flushed();
    expect(writer.writes).toEqual(['[missed][sent by a connected handler]']);
  });

  it('ends with its last frame, without what was held for after a replay that never came', async () => {
    const { client, writer } = queuedClient('a');
    client.queue.startHold();
    client.queue.enqueue(frame('[held]'), '5');
    client.queue.enqueueLast(frame('[bye]'));
    expect(client.queue.finish()).toBe(true);
    expect(client.queue.finish()).toBe(false);
    expect(writer.writes).toEqual(['[bye]']);
    expect(client.response.writableEnded).toBe(true);
    expect(client.queue.enqueue(frame('after the end'))).toBe(false);
  });

  it('drops what is queued when abandoned', async () => {
    const { client, writer } = queuedClient('a');
    client.queue.enqueue(frame('lost'));
    expect(client.queue.abandon()).toBe(true);
    expect(client.queue.abandon()).toBe(false);
    await flushed();
    expect(writer.writes).toEqual([]);
    expect(client.isConnected).toBe(false);
  });
});
