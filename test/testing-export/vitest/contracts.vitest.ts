// Run by testing-export.e2e-spec.ts with vitest, as a user of nestjs-sse/testing would run it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InMemoryEventLog, InMemoryNoReconnectStore } from 'nestjs-sse';
import { describeEventLogContract, describeNoReconnectStoreContract } from 'nestjs-sse/testing';

const test = { describe, it, expect, beforeEach, afterEach };

describeNoReconnectStoreContract(
  'InMemoryNoReconnectStore under vitest',
  async ({ ttl }) => ({ store: new InMemoryNoReconnectStore({ ttl }) }),
  test,
);
describeEventLogContract('InMemoryEventLog under vitest', async (options) => ({ log: new InMemoryEventLog(options) }), test);
