#!/usr/bin/env node
// Runs every test runner of the project and ends with one plain line
// `N passed, N failed` that sums them all (what CI reads).
//
// 1. vitest: the reference engine's frame tests, the core's unit tests, the Node SDK
//    against the reference engine, channels, the Node conformance runner, guards.
// 2. every `test/runtimes/run-*.mjs` and `e2e/run-*.mjs` runner (Chromium, Deno, Bun,
//    workerd, Python workers with the official iii-sdk, the demo's browser flows). Each prints,
//    as its last line, `RESULT {"runner":…,"passed":N,"failed":M}`; a runner that prints no such line
//    counts as one failure, so a broken runner can never pass silently.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { whyBuild } from './dist.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tmp = path.join(root, '.tmp');
mkdirSync(tmp, { recursive: true });

/** Per-runner time bound: a hung runner is killed and counted as failed. */
const RUNNER_TIMEOUT_MS = 15 * 60 * 1000;

function run(cmd, args, { capture = false } = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', capture ? 'pipe' : 'inherit', 'inherit'], detached: true });
    let out = '';
    if (capture) {
      child.stdout.on('data', (chunk) => {
        process.stdout.write(chunk);
        out += chunk;
      });
    }
    const timer = setTimeout(() => {
      console.error(`\n[test-all] ${cmd} ${args.join(' ')} exceeded ${RUNNER_TIMEOUT_MS / 60000} min; killing it`);
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {}
    }, RUNNER_TIMEOUT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, out });
    });
  });
}

const results = [];

// Build first when dist/ is incomplete or older than the sources (scripts/dist.mjs): the runtime
// runners and the tarball checks import dist/, which is what users get.
const why = whyBuild(root);
if (why) {
  console.log(`[test-all] ${why}: npm run build`);
  const build = await run('npm', ['run', '--silent', 'build']);
  if (build.code !== 0) results.push({ runner: 'build', passed: 0, failed: 1 });
}

// The type-level tests (expectTypeOf, typed handlers) only fail under the compiler.
const typecheck = await run(path.join(root, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json', '--noEmit']);
results.push({ runner: 'typecheck (tsc)', passed: typecheck.code === 0 ? 1 : 0, failed: typecheck.code === 0 ? 0 : 1 });

const vitestJson = path.join(tmp, 'vitest-report.json');
// Against an external engine (III_TEST_ENGINE_URL) some tests skip, and only the verbose reporter
// prints the reason each gives (the JSON report does not keep it).
const external = Boolean(process.env.III_TEST_ENGINE_URL?.trim());
const vitest = await run(path.join(root, 'node_modules/.bin/vitest'), [
  'run',
  `--reporter=${external ? 'verbose' : 'default'}`,
  '--reporter=json',
  `--outputFile.json=${vitestJson}`,
]);
if (existsSync(vitestJson)) {
  const report = JSON.parse(readFileSync(vitestJson, 'utf8'));
  // A file that failed to load has no tests but does count as a failure.
  const brokenFiles = (report.testResults ?? []).filter((f) => f.status === 'failed' && (f.assertionResults ?? []).length === 0).length;
  results.push({ runner: 'vitest (node)', passed: report.numPassedTests, failed: report.numFailedTests + brokenFiles, skipped: report.numPendingTests });
} else {
  results.push({ runner: 'vitest (node)', passed: 0, failed: 1 });
}
if (vitest.code !== 0 && results.at(-1).failed === 0) results.at(-1).failed = 1;

// Artefact guards: the bytes three real pages download, each under its
// ratchet (scripts/size.mjs: Chromium, the packed package bundled by esbuild), publint + attw
// on the packed package, and the API reference (typedoc with warnings as errors, so a broken
// {@link} or a type it cannot resolve fails here). Each counts as one check.
for (const script of ['size', 'check:package', 'docs']) {
  const check = await run('npm', ['run', '--silent', script]);
  results.push({ runner: `npm run ${script}`, passed: check.code === 0 ? 1 : 0, failed: check.code === 0 ? 0 : 1 });
}

const runnerFiles = ['test/runtimes', 'e2e']
  .filter((dir) => existsSync(path.join(root, dir)))
  .flatMap((dir) =>
    readdirSync(path.join(root, dir))
      .filter((f) => /^run-.*\.mjs$/.test(f))
      .sort()
      .map((f) => path.join(dir, f)),
  );

for (const file of runnerFiles) {
  console.log(`\n[test-all] ${file}`);
  const { code, out } = await run(process.execPath, [file], { capture: true });
  const line = out.trim().split('\n').reverse().find((l) => l.startsWith('RESULT '));
  let parsed;
  try {
    parsed = line ? JSON.parse(line.slice('RESULT '.length)) : undefined;
  } catch {}
  if (!parsed || typeof parsed.passed !== 'number' || typeof parsed.failed !== 'number') {
    results.push({ runner: file, passed: 0, failed: 1 });
    continue;
  }
  if (code !== 0 && parsed.failed === 0) parsed.failed = 1;
  results.push({ runner: parsed.runner ?? file, passed: parsed.passed, failed: parsed.failed, skipped: parsed.skipped });
}

console.log('\n[test-all] summary');
for (const r of results) {
  const skipped = r.skipped ? ` ${String(r.skipped).padStart(4)} skipped` : '';
  console.log(`  ${r.runner.padEnd(28)} ${String(r.passed).padStart(5)} passed ${String(r.failed).padStart(4)} failed${skipped}`);
}
const passed = results.reduce((n, r) => n + r.passed, 0);
const failed = results.reduce((n, r) => n + r.failed, 0);
// Skipped tests (against an external engine, the reference-only ones); each runner printed why.
const skipped = results.reduce((n, r) => n + (r.skipped ?? 0), 0);
if (skipped > 0) console.log(`${skipped} skipped (reasons in each runner's output)`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
