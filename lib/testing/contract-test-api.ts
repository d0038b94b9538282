/** The matchers the contracts use, which jest's and vitest's `expect` both have. */
export interface ContractMatchers<R> {
  toBe(expected: unknown): R;
  toEqual(expected: unknown): R;
  toBeUndefined(): R;
  toThrow(expected?: string | RegExp): R;
}

export interface ContractExpectation extends ContractMatchers<void> {
  resolves: ContractMatchers<Promise<void>>;
  rejects: ContractMatchers<Promise<void>>;
}

/**
 * The test functions of your runner, passed in rather than imported, so that the contracts run
 * under jest (`@jest/globals`) and vitest (`vitest`) alike.
 */
export interface ContractTestApi {
  describe(name: string, body: () => void): void;
  it(name: string, body: () => Promise<void> | void, timeout?: number): void;
  beforeEach(body: () => Promise<unknown> | undefined): void;
  afterEach(body: () => Promise<unknown> | undefined): void;
  expect(actual: unknown): ContractExpectation;
}

export const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
