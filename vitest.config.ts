import { defineConfig } from 'vitest/config';

// Node-side tests: the reference engine's frame-level tests, the SDK core's unit tests
// (fake transport, fake clock) and the Node SDK against the reference engine on loopback.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/runtimes/**', 'node_modules/**'],
    testTimeout: 20000,
    hookTimeout: 20000,
    pool: 'forks',
  },
});
