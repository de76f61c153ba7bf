#!/usr/bin/env node
// Conformance suite in Deno: `node test/runtimes/run-deno.mjs [--grep <regexp>]` (after `npm run build`).
// Deno loads dist/deno/index.js and resolves its bare imports (@valibot/to-json-schema, when used) from
// node_modules through deno.json's `"nodeModulesDir": "manual"`; no jsr:/https: imports.
import path from 'node:path';
import { repoRoot, runChildRuntime } from './common.mjs';

await runChildRuntime({
  runner: 'deno',
  entry: 'deno',
  command: path.join(repoRoot, 'node_modules/.bin/deno'),
  args: (config, suiteUrl, grep) => [
    'run',
    '--allow-net',
    '--allow-env',
    '--allow-read',
    '--no-prompt',
    `--config=${path.join(repoRoot, 'test/runtimes/deno/deno.json')}`,
    path.join(repoRoot, 'test/runtimes/deno/main.mjs'),
    config,
    suiteUrl,
    ...(grep ? [grep] : []),
  ],
});
