import { defineConfig } from 'vitest/config';

// The cross-language suite (Python workers with the official iii-sdk from PyPI, and this SDK,
// through one engine). Run by test/runtimes/run-python.mjs, which first sets up the venv; the main
// vitest.config.ts leaves these files out.
export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['test/python/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 40_000,
    pool: 'forks',
  },
});
