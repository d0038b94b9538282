import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const lib = (path: string) => fileURLToPath(new URL(`../../../lib/${path}`, import.meta.url));

// The package's two entry points, from source: what `nestjs-sse` and `nestjs-sse/testing` export.
export default defineConfig({
  resolve: {
    alias: [
      { find: /^nestjs-sse\/testing$/, replacement: lib('testing/index.ts') },
      { find: /^nestjs-sse$/, replacement: lib('index.ts') },
    ],
  },
  test: { include: ['**/*.vitest.ts'], root: fileURLToPath(new URL('.', import.meta.url)), reporters: ['json'] },
});
