import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

// Against an external engine (III_TEST_ENGINE_URL, test/external-engine.ts) every file shares one
// engine and its registries: files run one after another, so that two files never hold the same
// function id or the RBAC listener's one auth function at once.
const external = Boolean(process.env.III_TEST_ENGINE_URL?.trim());
const FUZZ = 'test/engine/tests/fuzz.test.ts';

// Node-side tests: the reference engine's frame-level tests, the SDK core's unit tests
// (fake transport, fake clock) and the Node SDK against the reference engine on loopback.
export default defineConfig({
  // The examples' tests import the package by name, as a user does; in the repository that is the
  // sources (e2e/run-pack.mjs runs the same file against the packed tarball).
  resolve: {
    alias: [
      { find: /^iii-isomorphic$/, replacement: here('./platform/node/index.ts') },
      { find: /^iii-isomorphic\/testing$/, replacement: here('./test/engine/index.ts') },
    ],
  },
  test: {
    testTimeout: 20000,
    hookTimeout: 20000,
    pool: 'forks',
    fileParallelism: !external,
    // The fuzz test bounds the reference engine's RSS during a storm of hostile frames: it runs
    // after every other file, on its own (groupOrder), so the figure it prints and the bound it
    // holds judge the engine rather than the load of other test files.
    projects: [
      // Of test/runtimes only node.test.ts is a vitest file (it needs `npm run build`); the other
      // runtimes have their own runners (run-chromium.mjs, run-deno.mjs, run-bun.mjs, run-workerd.mjs).
      // test/python is the cross-language suite: test/runtimes/run-python.mjs sets up its Python
      // venv and runs it with test/python/vitest.config.ts.
      {
        extends: true,
        test: { name: 'node', include: ['test/**/*.test.ts', 'examples/**/*.test.ts'], exclude: ['test/runtimes/*/**', 'test/python/**', 'node_modules/**', FUZZ] },
      },
      { extends: true, test: { name: 'fuzz', include: [FUZZ], sequence: { groupOrder: 1 } } },
    ],
  },
});
