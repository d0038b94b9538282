import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { InMemoryNoReconnectStore } from '../no-reconnect/in-memory-no-reconnect.store.js';
import { NoReconnectGate } from './no-reconnect-gate.js';

/** The in-memory store, made to fail or hang on demand. */
class FlakyStore extends InMemoryNoReconnectStore {
  mode: 'ok' | 'fail' | 'hang' = 'ok';
  readonly removed: string[] = [];

  private outcome(): Promise<void> {
    if (this.mode === 'fail') return Promise.reject(new Error('store is down'));
    return this.mode === 'hang' ? new Promise(() => undefined) : Promise.resolve();
  }

  override async addClientId(clientId: string, ttl?: number): Promise<void> {
    await this.outcome();
    return super.addClientId(clientId, ttl);
  }

  override async containsClientId(clientId: string): Promise<boolean> {
    await this.outcome();
    return super.containsClientId(clientId);
  }

  override async removeClientId(clientId: string): Promise<void> {
    this.removed.push(clientId);
    return super.removeClientId(clientId);
  }
}

const gate = (store: FlakyStore, canRefuse = true) => new NoReconnectGate(store, { timeout: 50, canRefuse }, new Logger('test'));

describe('NoReconnectGate', () => {
  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('remembers, refuses, and forgets an id', async () => {
    const store = new FlakyStore();
    const subject = gate(store);
    await subject.remember('a');
    await expect(subject.isRefused('a')).resolves.toBe(true);
    await subject.forget('a');
    await expect(subject.isRefused('a')).resolves.toBe(false);
  });

  it('lets clients in while the store fails or hangs, and logs the outage once', async () => {
    const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const store = new FlakyStore();
    const subject = gate(store);
    store.mode = 'fail';
    await expect(subject.isRefused('a')).resolves.toBe(false);
    store.mode = 'hang';
    await expect(subject.isRefused('b')).resolves.toBe(false);
    expect(errors.mock.calls.filter(([text]) => /NO_RECONNECT_STORE is unreachable/.test(String(text)))).toHaveLength(1);
  });

  it('rejects, saying so, when it cannot remember, and queues a remove behind the add it gave up on', async () => {
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const store = new FlakyStore();
    store.mode = 'hang';
    await expect(gate(store).remember('a')).rejects.toThrow(
      'SSE client a was not disconnected: nestjs-sse:NO_RECONNECT_STORE could not remember its id, so its stream was left open',
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(store.removed).toEqual(['a']);
  });

  it('says what to set when the ports in use cannot refuse anyone', () => {
    expect(() => gate(new FlakyStore(), false).assertCanRefuse()).toThrow(
      /needs both a nestjs-sse:CLIENT_ID_PROVIDER .* and a nestjs-sse:NO_RECONNECT_STORE/,
    );
  });
});
