#!/usr/bin/env node
// Conformance suite in Deno: `node test/runtimes/run-deno.mjs [--grep <regexp>]` (after `npm run build`).
// Deno loads dist/deno/index.js and resolves its bare imports (@valibot/to-json-schema, when used) from
// node_modules through deno.json's `"nodeModulesDir": "manual"`; no jsr:/https: imports.
import path from 'node:path';
import { repoRoot, runChildRuntime, spawnBounded } from './common.mjs';

const deno = path.join(repoRoot, 'node_modules/.bin/deno');

/** Issue 10 item 7: without --allow-env, reading III_URL must be reported, not silently skipped. */
async function warnsWithoutAllowEnv() {
  let warns;
  let broken;
  const { done } = spawnBounded(
    deno,
    ['run', '--allow-read', '--allow-net=127.0.0.1:1', '--no-prompt', `--config=${path.join(repoRoot, 'test/runtimes/deno/deno.json')}`, path.join(repoRoot, 'test/runtimes/deno/no-env.mjs')],
    {
      timeoutMs: 30_000,
      env: { III_URL: 'ws://127.0.0.1:1/' },
      onLine: (line) => {
        if (line.startsWith('WARNS ')) warns = JSON.parse(line.slice(6));
        else if (line.startsWith('BROKEN ')) broken = line.slice(7);
      },
    },
  );
  const exit = await done;
  if (broken || !warns) throw new Error(`the Deno child failed: ${broken ?? `exit ${exit.code}`}`);
  const hits = warns.filter((l) => l.level === 'warn' && /--allow-env/.test(l.text) && /III_URL/.test(l.text));
  if (hits.length === 0) {
    throw new Error(`no warn naming --allow-env=III_URL; the console had: ${JSON.stringify(warns).slice(0, 600) || '(nothing)'}`);
  }
}

await runChildRuntime({
  runner: 'deno',
  entry: 'deno',
  command: deno,
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
  extraCases: [{ name: 'without --allow-env, registerWorker() warns that III_URL cannot be read', run: warnsWithoutAllowEnv }],
});
