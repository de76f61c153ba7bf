#!/usr/bin/env node
// Size budget (PRACTICES.md item 13): prints every built entry's minified + gzip size. The
// target for the browser entry is 10 KB and is not met: it is about 12 KB (12258 B, 35963 B
// minified on 2026-11-30; it was 14105 B before the client's optional parts moved to chunks loaded on first
// use, see docs/benchmarks.md "Size" for what moved and what is left). The enforced budget is a
// ratchet at that size rounded up to 256 B, so the entry can only shrink from here; the script
// fails when the browser entry exceeds it. Sizes are of the entry itself, dependencies external
// (valibot, eventemitter3, @valibot/to-json-schema are shared with the app and deduplicated by
// its bundler); the browser entry is also shown with its dependencies bundled, for reference.
//
// "The entry" is everything a page downloads and runs when it imports the package: index.js and
// every chunk it imports statically. Chunks it imports dynamically are printed on a line of
// their own, measured without the code they share with the entry, and not budgeted: an app that
// never uses them never loads them. They are the channel machinery
// (src/channels/channel-streams.ts, on the first channel read or write) and the client's parts
// listed in src/client/lazy-parts.ts (inbound invocations, trigger-type bindings, refusals,
// listings). It also checks that no runtime entry imports the Node-only testing export
// (dist/testing, the reference engine) or the binary (dist/cli). Run `npm run build` first.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Where the browser entry must get to (issue: at or under 10 KB). Reported on every run. */
const TARGET = 10240;
/** Enforced ceiling: today's size rounded up to 256 B. Lower it as the entry shrinks; never raise it. */
const BUDGET = 12288;
const entries = ['browser', 'node', 'deno', 'workers', 'bun'];
const dependencies = ['valibot', 'eventemitter3', '@valibot/to-json-schema'];

/**
 * Minifies `file` with the files it imports statically. Dynamic imports stay out (and are
 * collected in `lazy`), so do bare imports: the dependencies unless `bundleDeps`, and node:
 * builtins and ws always. With `shared`, the files the entry already loaded stay out too.
 */
async function minified(file, { bundleDeps = false, lazy = new Set(), shared = new Set() } = {}) {
  const result = await esbuild.build({
    entryPoints: [file],
    bundle: true,
    external: bundleDeps ? ['node:*', 'ws', 'isomorphic-ws'] : ['node:*', 'ws', 'isomorphic-ws', ...dependencies],
    minify: true,
    format: 'esm',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    conditions: ['browser'],
    write: false,
    metafile: true,
    logLevel: 'error',
    plugins: [
      {
        name: 'entry-only',
        setup(build) {
          build.onResolve({ filter: /^\.\.?\// }, (args) => {
            const resolved = path.resolve(args.resolveDir, args.path);
            if (args.kind === 'dynamic-import') {
              lazy.add(resolved);
              return { path: args.path, external: true };
            }
            if (shared.has(resolved)) return { path: args.path, external: true };
            return undefined;
          });
        },
      },
    ],
  });
  const inputs = Object.keys(result.metafile.inputs).map((p) => path.resolve(root, p));
  return { code: result.outputFiles[0].contents, inputs };
}

const kb = (n) => `${(n / 1024).toFixed(2)} KB`;
const gzip = (code) => gzipSync(code, { level: 9 }).length;
let failed = false;
let testingLeaks = 0;
for (const name of entries) {
  const file = path.join(root, 'dist', name, 'index.js');
  try {
    await readFile(file);
  } catch {
    console.error(`dist/${name}/index.js is missing: run \`npm run build\` first`);
    failed = true;
    continue;
  }
  const lazy = new Set();
  const entry = await minified(file, { lazy });
  // The reference engine (`iii-isomorphic/testing`) and the binary are Node-only test tools: no
  // runtime entry may import them, statically or lazily.
  for (const input of [...entry.inputs, ...lazy]) {
    if (/[\\/]dist[\\/](testing|cli)[\\/]/.test(input) || /[\\/]test[\\/]engine[\\/]/.test(input)) {
      console.error(`dist/${name}/index.js imports ${path.relative(root, input)}: the testing export must stay out of every runtime entry`);
      testingLeaks++;
    }
  }
  const gz = gzip(entry.code);
  const over = name === 'browser' && gz > BUDGET;
  if (over) failed = true;
  const budget =
    name === 'browser'
      ? ` (ratchet ${BUDGET} B: ${over ? 'OVER' : 'ok'}; target ${TARGET} B: ${gz <= TARGET ? 'met' : `missed by ${gz - TARGET} B`})`
      : '';
  console.log(`${name.padEnd(8)} ${String(gz).padStart(6)} B min+gzip (${kb(gz)}), ${entry.code.length} B minified${budget}`);
  for (const chunk of [...lazy].sort()) {
    const own = await minified(chunk, { shared: new Set(entry.inputs) });
    console.log(
      `${''.padEnd(8)} ${String(gzip(own.code)).padStart(6)} B min+gzip, ${own.code.length} B minified: ` +
        `${path.basename(chunk)}, loaded on first use (not in the entry, not budgeted)`,
    );
  }
  if (name === 'browser') {
    const all = await minified(file, { bundleDeps: true });
    console.log(`${''.padEnd(8)} ${String(gzip(all.code)).padStart(6)} B min+gzip with its dependencies bundled (entry only; reference, not budgeted)`);
  }
}
// Nor may the CommonJS Node entry require it (esbuild above follows the ESM files only).
const cjs = await readFile(path.join(root, 'dist/node/index.cjs'), 'utf8').catch(() => '');
if (/require\(['"][^'"]*(testing|cli)[/'"]/.test(cjs)) {
  console.error('dist/node/index.cjs requires the testing export or the binary: they must stay out of every runtime entry');
  testingLeaks++;
}
if (testingLeaks > 0) failed = true;
else console.log('testing export and binary: imported by no runtime entry');
// The lazily loaded chunks must ship: a file in dist/<entry>/ that nothing imports is a build bug.
for (const name of entries) {
  const files = await readdir(path.join(root, 'dist', name)).catch(() => []);
  if (name !== 'node' && !files.some((f) => f.startsWith('channel-streams-'))) {
    console.error(`dist/${name}/ has no channel-streams chunk: the channel machinery was not split out`);
    failed = true;
  }
}
if (failed) {
  console.error(`size check failed: the browser entry must stay at or below ${BUDGET} bytes minified + gzip, and no runtime entry may import the testing export`);
  process.exit(1);
}
