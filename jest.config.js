/** Nest 12 is ESM-only, so jest runs in ESM mode (see package.json "test"). */
const base = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    '^nestjs-sse$': '<rootDir>/lib/index.ts',
    '^nestjs-sse/testing$': '<rootDir>/lib/testing/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }],
  },
};

/** Unit specs sit beside the code; every e2e scenario runs once per Nest platform. */
export default {
  testTimeout: 20000,
  projects: [
    { ...base, displayName: 'unit', roots: ['<rootDir>/lib'], testMatch: ['**/*.spec.ts'] },
    {
      ...base,
      displayName: 'express',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.e2e-spec.ts'],
      // Nest's Express adapter cannot serve HTTP/2; the consumer apps run their own tests (npm run test:consumers).
      testPathIgnorePatterns: ['/http2/', '/consumers/'],
      setupFiles: ['<rootDir>/test/utils/platform/express.ts'],
    },
    {
      ...base,
      displayName: 'fastify',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.e2e-spec.ts'],
      // The benchmark servers, the vitest run, nest start and the README check are the same on every platform.
      testPathIgnorePatterns: ['/bench-smoke/', '/testing-export/', '/nest-start/', '/readme/', '/consumers/'],
      setupFiles: ['<rootDir>/test/utils/platform/fastify.ts'],
    },
    {
      ...base,
      // The core scenarios once more over HTTP/2 with TLS, their clients on one h2 session per origin.
      displayName: 'fastify-h2',
      roots: ['<rootDir>/test'],
      testMatch: ['**/{handshake,disconnect,resume,slow-consumers,bad-input,shutdown}/*.e2e-spec.ts'],
      setupFiles: ['<rootDir>/test/utils/platform/fastify-h2.ts'],
    },
  ],
};
