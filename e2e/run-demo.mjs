#!/usr/bin/env node
// Runs the demo's Playwright specs (e2e/*.spec.ts, config e2e/playwright.config.ts) in Debian's
// chromium and turns their JSON report into the line scripts/test-all.mjs reads, printed last:
// `RESULT {"runner":"e2e-demo","passed":N,"failed":M}`.
//
// A test counts as passed only if the report shows it ran and passed. Every test that
// `playwright test --list` finds but the report does not show passing is a failure: a failed or
// skipped test, and all of them when the global setup (which starts the demo) failed, the report is
// missing or the run was killed. One exception: against an external engine (III_TEST_ENGINE_URL,
// test/external-engine.ts) a test skipped with a "needs the reference engine: …" reason counts as
// skipped, and the reason is printed. Playwright bounds itself (globalTimeout); this runner bounds it
// again: after 5 minutes it interrupts Playwright, then kills its process group and the demo's.
// Screenshots, the demo's log, the report and traces of failures: e2e/artifacts/.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const artifacts = path.join(root, 'e2e', 'artifacts');
const reportFile = path.join(artifacts, 'report.json');
const demoPidFile = path.join(artifacts, 'demo.pid');
const playwright = path.join(root, 'node_modules', '.bin', 'playwright');
const config = path.join('e2e', 'playwright.config.ts');

const RUN_TIMEOUT_MS = 5 * 60_000;
const external = Boolean(process.env.III_TEST_ENGINE_URL?.trim());
/** The reason test/external-engine.ts `needsReference()` gives. */
const REFERENCE_ONLY = /^needs the reference engine: /;
/** After an interrupt, how long Playwright gets to run the global teardown and write its report. */
const INTERRUPT_GRACE_MS = 20_000;
const LIST_TIMEOUT_MS = 60_000;

mkdirSync(artifacts, { recursive: true });

function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Runs a command in its own process group; resolves when it ends or after killing it. */
function runBounded(args, { timeoutMs, capture }) {
  return new Promise((resolve) => {
    const child = spawn(playwright, args, { cwd: root, detached: true, stdio: ['ignore', capture ? 'pipe' : 'inherit', 'inherit'] });
    let stdout = '';
    if (capture) child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    let interrupted = '';
    const stop = (why) => {
      if (interrupted) return;
      interrupted = why;
      console.log(`\n[run-demo] ${why}: interrupting Playwright`);
      killGroup(child.pid, 'SIGINT');
      setTimeout(() => {
        if (killGroup(child.pid, 'SIGKILL')) console.log('[run-demo] Playwright still running; killed its process group');
      }, INTERRUPT_GRACE_MS).unref();
    };
    const timer = setTimeout(() => stop(`no result within ${timeoutMs / 1000}s`), timeoutMs);
    const onSignal = (signal) => stop(`got ${signal}`);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    child.on('error', (error) => {
      interrupted ||= `cannot start ${playwright}: ${error.message}`;
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve({ code: code ?? 1, signal, stdout, interrupted });
    });
  });
}

/** Without the terminal colours Playwright puts in error messages. */
const plain = (text) => text.replace(/\u001b\[[0-9;]*m/g, '');

/** Every test of a JSON report: `{ key, title, passed, error }`. */
function testsOf(report) {
  const tests = [];
  const walk = (suite, titles) => {
    for (const spec of suite.specs ?? []) {
      for (const test of spec.tests ?? []) {
        const last = test.results?.at(-1);
        const skipNote = (test.annotations ?? []).find((a) => a.type === 'skip')?.description;
        tests.push({
          key: `${test.projectName} ${spec.id}`,
          title: [...titles, spec.title].join(' › '),
          passed: test.status === 'expected' && last?.status === 'passed',
          skipped: external && test.status === 'skipped' && REFERENCE_ONLY.test(skipNote ?? '') ? skipNote : undefined,
          error: last ? `${last.status}${last.error?.message ? `: ${plain(last.error.message).split('\n')[0]}` : ''}` : 'did not run',
        });
      }
    }
    for (const child of suite.suites ?? []) walk(child, [...titles, child.title]);
  };
  for (const suite of report.suites ?? []) walk(suite, [suite.title]);
  return tests;
}

const started = Date.now();
const problems = [];

// 1. What should run: the listing neither starts the demo nor a browser.
const listing = await runBounded(['test', '-c', config, '--list', '--reporter=json'], { timeoutMs: LIST_TIMEOUT_MS, capture: true });
let expected = [];
try {
  expected = testsOf(JSON.parse(listing.stdout));
} catch {
  problems.push(`playwright test --list gave no JSON (exit ${listing.code}${listing.interrupted ? `, ${listing.interrupted}` : ''})`);
}
if (listing.code !== 0 && problems.length === 0) problems.push(`playwright test --list exited with ${listing.code}`);
if (expected.length === 0 && problems.length === 0) problems.push('playwright test --list found no tests');

// 2. The run. A stale report must never be read as this run's.
rmSync(reportFile, { force: true });
rmSync(demoPidFile, { force: true });
const run = problems.length > 0 ? undefined : await runBounded(['test', '-c', config], { timeoutMs: RUN_TIMEOUT_MS, capture: false });
if (run?.interrupted) {
  problems.push(run.interrupted);
  // The demo is its own process group (the global setup spawned it detached); if Playwright was
  // killed before its teardown, the demo would be left behind.
  if (existsSync(demoPidFile)) killGroup(Number(readFileSync(demoPidFile, 'utf8')), 'SIGKILL');
}

// 3. The count.
let ran = [];
if (run) {
  if (!existsSync(reportFile)) {
    problems.push(`no JSON report at ${path.relative(root, reportFile)}`);
  } else {
    try {
      const report = JSON.parse(readFileSync(reportFile, 'utf8'));
      ran = testsOf(report);
      for (const error of report.errors ?? []) problems.push(`Playwright: ${plain(String(error.message ?? error)).split('\n')[0]}`);
    } catch (error) {
      problems.push(`unreadable JSON report: ${error.message}`);
    }
  }
  if (run.code !== 0 && !run.interrupted) problems.push(`playwright test exited with ${run.code ?? run.signal}`);
}

const passedKeys = new Set(ran.filter((t) => t.passed).map((t) => t.key));
const skips = ran.filter((t) => t.skipped !== undefined);
const skippedKeys = new Set(skips.map((t) => t.key));
const byKey = new Map(ran.map((t) => [t.key, t]));
const allKeys = new Set([...expected.map((t) => t.key), ...ran.map((t) => t.key)]);
const failures = [...allKeys]
  .filter((key) => !passedKeys.has(key) && !skippedKeys.has(key))
  .map((key) => byKey.get(key) ?? { ...expected.find((t) => t.key === key), error: 'did not run' });

console.log(`\n[run-demo] ${passedKeys.size} of ${allKeys.size} tests passed (${skips.length} skipped) in ${((Date.now() - started) / 1000).toFixed(1)}s`);
for (const t of skips) console.log(`skip ${t.title} — ${t.skipped}`);
for (const t of failures) console.log(`FAIL ${t.title} — ${t.error}`);
for (const p of problems) console.log(`PROBLEM ${p}`);
console.log(`artifacts: ${path.relative(root, artifacts)}/ (screenshots, demo.log, report.json, test-results/)`);

const passed = passedKeys.size;
// A problem outside the tests (no report, setup failure, non-zero exit) always fails the run.
const failed = failures.length + (problems.length > 0 && failures.length === 0 ? 1 : 0);
console.log(`RESULT ${JSON.stringify({ runner: 'e2e-demo', passed, failed, ...(skips.length ? { skipped: skips.length } : {}) })}`);
process.exit(failed > 0 ? 1 : 0);
