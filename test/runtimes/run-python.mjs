#!/usr/bin/env node
// Cross-language suite: Python workers with the official iii-sdk (from PyPI) and this SDK through
// one engine (test/python/*.test.ts). Sets up the Python venv first (scripts/python-env.mjs), then
// runs vitest with test/python/vitest.config.ts and prints `RESULT {...}` last.
//
//   node test/runtimes/run-python.mjs                 # iii-sdk pinned for engine 0.23 (npm test runs this)
//   node test/runtimes/run-python.mjs --next          # the newer SDK (npm run test:python-next; not in npm test)
//   node test/runtimes/run-python.mjs --sdk 0.24.6    # any other release
//   ... [-t <name pattern>] [test/python/channels.test.ts]
//
// With env III_TEST_ENGINE_URL the tests target that engine instead of the reference engine.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ensurePythonEnv, PythonEnvError } from '../../scripts/python-env.mjs';
import { repoRoot, spawnBounded } from './common.mjs';

/** The whole suite normally takes well under a minute; this only stops a hung run. */
const SUITE_TIMEOUT_MS = 5 * 60 * 1000;

const argv = process.argv.slice(2);
const envOptions = {};
const vitestArgs = [];
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--next') envOptions.next = true;
  else if (argv[i] === '--sdk') envOptions.sdk = argv[++i];
  else vitestArgs.push(argv[i]);
}

let runner = 'python';
function finish(passed, failed, note, skipped = 0) {
  if (note) console.log(note);
  // `skipped` only when some test was skipped (each printed its reason above).
  console.log(`RESULT ${JSON.stringify({ runner, passed, failed, ...(skipped ? { skipped } : {}) })}`);
  process.exit(failed > 0 ? 1 : 0);
}

let env;
const setupStarted = Date.now();
try {
  env = ensurePythonEnv(envOptions);
} catch (e) {
  console.log(`BROKEN python: ${e instanceof PythonEnvError ? e.message : (e?.stack ?? String(e))}`);
  finish(0, 1);
}
runner = `python (iii-sdk ${env.sdkVersion})`;
console.log(`[python] ${env.python} with iii-sdk ${env.sdkVersion}${env.installed ? `, installed in ${((Date.now() - setupStarted) / 1000).toFixed(1)} s` : ''}`);
if (process.env.III_TEST_ENGINE_URL) console.log(`[python] engine under test: ${process.env.III_TEST_ENGINE_URL} (external)`);

const report = path.join(repoRoot, '.tmp', 'python', `vitest-${env.sdkVersion}.json`);
rmSync(report, { force: true });
const { done } = spawnBounded(
  path.join(repoRoot, 'node_modules/.bin/vitest'),
  // Verbose against an external engine: it prints the reason of each skipped test.
  ['run', '--config', 'test/python/vitest.config.ts', `--reporter=${process.env.III_TEST_ENGINE_URL ? 'verbose' : 'default'}`, '--reporter=json', `--outputFile.json=${report}`, ...vitestArgs],
  {
    timeoutMs: SUITE_TIMEOUT_MS,
    env: { III_PYTHON_VENV: env.python, III_PYTHON_SDK: env.sdkVersion },
    onLine: (line) => console.log(line),
    onStderr: (line) => console.error(line),
  },
);
const exit = await done;
if (!existsSync(report)) finish(0, 1, `BROKEN python: vitest wrote no report (exit ${exit.code}${exit.timedOut ? `, killed after ${SUITE_TIMEOUT_MS / 1000} s` : ''})`);

const json = JSON.parse(readFileSync(report, 'utf8'));
const files = json.testResults ?? [];
// A file that failed to load has no tests but counts as a failure.
const brokenFiles = files.filter((f) => f.status === 'failed' && (f.assertionResults ?? []).length === 0).length;
const known = files.flatMap((f) => f.assertionResults ?? []).filter((t) => t.title.startsWith('[known ')).length;
let failed = json.numFailedTests + brokenFiles;
if (exit.code !== 0 && failed === 0) failed = 1;
finish(
  json.numPassedTests,
  failed,
  known > 0 ? `[python] ${known} of the passing tests pin a known divergence (titles "[known …]"; see their comments)` : undefined,
  json.numPendingTests ?? 0,
);
