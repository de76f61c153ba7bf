#!/usr/bin/env node
// Size budget (PRACTICES.md item 13): prints every built entry's minified + gzip size and fails
// when the browser entry exceeds 10 KB. Sizes are of the entry itself, dependencies external
// (valibot, eventemitter3, @valibot/to-json-schema are shared with the app and deduplicated by
// its bundler); the browser entry is also shown with its dependencies bundled, for reference.
// Run `npm run build` first.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BUDGET = 10240;
const entries = ['browser', 'node', 'deno', 'workers', 'bun'];

async function minified(file, bundleDeps) {
  const result = await esbuild.build({
    entryPoints: [file],
    bundle: true,
    // Only the dependencies stay out unless asked in; node: builtins and ws never count.
    external: bundleDeps ? ['node:*', 'ws', 'isomorphic-ws'] : ['*'],
    minify: true,
    format: 'esm',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    conditions: ['browser'],
    write: false,
    logLevel: 'error',
  });
  return result.outputFiles[0].contents;
}

const kb = (n) => `${(n / 1024).toFixed(2)} KB`;
let failed = false;
for (const name of entries) {
  const file = path.join(root, 'dist', name, 'index.js');
  try {
    await readFile(file);
  } catch {
    console.error(`dist/${name}/index.js is missing: run \`npm run build\` first`);
    failed = true;
    continue;
  }
  const min = await minified(file, false);
  const gz = gzipSync(min, { level: 9 }).length;
  const over = name === 'browser' && gz > BUDGET;
  if (over) failed = true;
  const budget = name === 'browser' ? ` (budget ${BUDGET} B: ${over ? 'OVER' : 'ok'})` : '';
  console.log(`${name.padEnd(8)} ${String(gz).padStart(6)} B min+gzip (${kb(gz)}), ${min.length} B minified${budget}`);
  if (name === 'browser') {
    const all = await minified(file, true);
    console.log(`${''.padEnd(8)} ${String(gzipSync(all, { level: 9 }).length).padStart(6)} B min+gzip with its dependencies bundled (reference, not budgeted)`);
  }
}
if (failed) {
  console.error(`size check failed: the browser entry must stay at or below ${BUDGET} bytes minified + gzip`);
  process.exit(1);
}
