export type { ContractExpectation, ContractMatchers, ContractTestApi } from './contract-test-api.js';
export { describeEventLogContract, type EventLogFactory, type EventLogUnderTest } from './event-log.contract.js';
export { describeNoReconnectStoreContract, type StoreFactory, type StoreUnderTest } from './no-reconnect-store.contract.js';
