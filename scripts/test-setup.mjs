#!/usr/bin/env node
// `npm test`'s set-up (package.json `pretest`): what the runners need beyond node_modules, installed
// when missing, so that `npm ci && npm test` works on a fresh Debian machine.
//
// - Debian's Chromium at /usr/bin/chromium (the browser runners; Playwright cannot download a
//   browser here): `apt-get install -y chromium` when this runs as root, else a message that says
//   how to install it.
// - Python >= 3.10 with venv, for the cross-language tests (test/runtimes/run-python.mjs makes its
//   own venv under .tmp/): `apt-get install -y python3 python3-venv` likewise.
// - The Deno, Bun and workerd binaries, which `npm ci` fetches (package.json `allowScripts`).
// Exits 1 with every missing piece and its fix when it cannot install one.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasApt = existsSync('/usr/bin/apt-get');
const problems = [];
let updated = false;

function apt(packages) {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!updated) {
    console.error('[test-setup] apt-get update');
    if (spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env }).status !== 0) return false;
    updated = true;
  }
  console.error(`[test-setup] apt-get install -y ${packages.join(' ')}`);
  return spawnSync('apt-get', ['install', '-y', '-qq', ...packages], { stdio: ['ignore', 'ignore', 'inherit'], env }).status === 0;
}

/** Installs `packages` with apt when `present()` is false and this is root on Debian; else records the fix. */
function need(what, present, packages) {
  if (present()) return;
  if (isRoot && hasApt && apt(packages) && present()) return;
  problems.push(`${what}: install it with \`sudo apt-get install -y ${packages.join(' ')}\`${isRoot ? ' (apt-get failed above)' : ' (npm test installs it itself when run as root)'}`);
}

const python310 = () =>
  spawnSync('python3', ['-c', 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 10))'], { stdio: 'ignore' }).status === 0;

need('Chromium is missing at /usr/bin/chromium (the browser tests drive it)', () => existsSync('/usr/bin/chromium'), ['chromium']);
need('Python >= 3.10 with venv is missing (the cross-language tests)', python310, ['python3', 'python3-venv']);
for (const bin of ['deno', 'bun', 'workerd']) {
  if (!existsSync(path.join(root, 'node_modules/.bin', bin))) problems.push(`node_modules/.bin/${bin} is missing: run \`npm ci\` (it fetches the Deno, Bun and workerd binaries)`);
}

if (problems.length) {
  console.error(`[test-setup] npm test cannot run yet:\n  - ${problems.join('\n  - ')}`);
  process.exit(1);
}
