#!/usr/bin/env node
// Conformance suite in Bun: `node test/runtimes/run-bun.mjs [--grep <regexp>]` (after `npm run build`).
// Bun loads dist/bun/index.js (the `bun` export condition's file).
import path from 'node:path';
import { repoRoot, runChildRuntime } from './common.mjs';

await runChildRuntime({
  runner: 'bun',
  entry: 'bun',
  command: path.join(repoRoot, 'node_modules/.bin/bun'),
  args: (config, suiteUrl, grep) => [
    'run',
    path.join(repoRoot, 'test/runtimes/bun/main.mjs'),
    config,
    suiteUrl,
    ...(grep ? [grep] : []),
  ],
});
