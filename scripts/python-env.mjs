#!/usr/bin/env node
// The Python side of the cross-language tests: a virtual environment under .tmp/python (ignored
// by git) with the pinned iii-sdk from PyPI. Idempotent: when the venv already holds what the
// requirements file asks for, it costs one short Python start; otherwise it is rebuilt from
// scratch (never patched in place, so a stale package cannot survive a pin change).
//
//   node scripts/python-env.mjs            # iii-sdk pinned for engine 0.23 (test/python/requirements.txt)
//   node scripts/python-env.mjs --next     # the newer SDK (test/python/requirements-next.txt)
//   node scripts/python-env.mjs --sdk 0.24.6
//
// Prints the venv's interpreter on stdout. The interpreter used to create the venv is env
// III_PYTHON, else `python3`, else `python`; it must be >= 3.10 (iii-sdk's Requires-Python) and
// have `venv` + `ensurepip` (Debian ships those separately, in python3-venv).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MIN_PYTHON = [3, 10];
/** pip has the network to cross; a stuck index must not hang `npm test`. */
const PIP_TIMEOUT_MS = 10 * 60 * 1000;
/** Another process building the same venv (two runners at once) holds a lock dir this long at most. */
const LOCK_STALE_MS = 12 * 60 * 1000;

/** A set-up failure the user can act on: the message names the problem and the fix. */
export class PythonEnvError extends Error {
  name = 'PythonEnvError';
}

/** Which requirements to install: `{ label, requirements }` (requirements as text). */
export function requirementsFor({ next = false, sdk } = {}) {
  if (sdk !== undefined) {
    if (!/^\d+\.\d+\.\d+([a-z]+\d+)?(\.post\d+)?$/.test(sdk)) {
      throw new PythonEnvError(`--sdk wants an exact iii-sdk version such as 0.24.6 or 0.25.0rc6, got "${sdk}" (see: pip index versions --pre iii-sdk)`);
    }
    return { label: sdk, requirements: `iii-sdk==${sdk}\niii-helpers==${sdk}\n` };
  }
  const file = path.join(root, 'test/python', next ? 'requirements-next.txt' : 'requirements.txt');
  const requirements = readFileSync(file, 'utf8');
  const pin = /^iii-sdk==(\S+)/m.exec(requirements);
  if (!pin) throw new PythonEnvError(`${path.relative(root, file)} pins no iii-sdk version`);
  return { label: pin[1], requirements };
}

function venvPython(venv) {
  return process.platform === 'win32' ? path.join(venv, 'Scripts', 'python.exe') : path.join(venv, 'bin', 'python');
}

function run(cmd, args, timeoutMs = 60_000) {
  return spawnSync(cmd, args, { encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: '1' } });
}

const INSTALL_HINT = 'Debian/Ubuntu: apt-get install -y python3 python3-venv; elsewhere install Python >= 3.10 from python.org or your package manager, or set III_PYTHON to its interpreter';

/** The interpreter that creates the venv: checked for version, venv and ensurepip. */
function findBasePython() {
  const candidates = process.env.III_PYTHON ? [process.env.III_PYTHON] : ['python3', 'python'];
  const probe = 'import sys, json; print(json.dumps({"v": list(sys.version_info[:3]), "exe": sys.executable}))';
  const tooOld = [];
  for (const cmd of candidates) {
    const r = run(cmd, ['-c', probe], 20_000);
    if (r.error || r.status !== 0) continue;
    let info;
    try {
      info = JSON.parse(r.stdout.trim());
    } catch {
      continue;
    }
    const [major, minor] = info.v;
    if (major < MIN_PYTHON[0] || (major === MIN_PYTHON[0] && minor < MIN_PYTHON[1])) {
      tooOld.push(`${info.v.join('.')} at ${info.exe}`);
      continue;
    }
    const venvCheck = run(cmd, ['-c', 'import venv, ensurepip'], 20_000);
    if (venvCheck.status !== 0) {
      throw new PythonEnvError(
        `Python ${info.v.join('.')} at ${info.exe} has no working venv/ensurepip module, so the cross-language tests cannot create ` +
          `their virtual environment. Install it: apt-get install -y python3-venv (Debian/Ubuntu; python3.${minor}-venv for a versioned Python).`,
      );
    }
    return { exe: info.exe, version: info.v.join('.') };
  }
  const tried = process.env.III_PYTHON ? `III_PYTHON=${process.env.III_PYTHON}` : 'python3, python';
  if (tooOld.length > 0) {
    throw new PythonEnvError(`The cross-language tests need Python >= ${MIN_PYTHON.join('.')} (iii-sdk requires it); found only ${tooOld.join(', ')}. ${INSTALL_HINT}.`);
  }
  throw new PythonEnvError(`The cross-language tests need Python >= ${MIN_PYTHON.join('.')} and none was found (tried ${tried}). ${INSTALL_HINT}.`);
}

function installedSdkVersion(python) {
  const r = run(python, ['-c', 'import importlib.metadata as m; print(m.version("iii-sdk"))'], 20_000);
  return r.status === 0 ? r.stdout.trim() : undefined;
}

function acquireLock(lockDir) {
  const deadline = Date.now() + LOCK_STALE_MS;
  for (;;) {
    try {
      mkdirSync(lockDir);
      return () => rmSync(lockDir, { recursive: true, force: true });
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      let age = 0;
      try {
        age = Date.now() - statSync(lockDir).mtimeMs;
      } catch {
        continue; // released between the two calls
      }
      if (age > LOCK_STALE_MS || Date.now() > deadline) rmSync(lockDir, { recursive: true, force: true });
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500); // sleep without a busy loop
    }
  }
}

/**
 * Makes sure the venv for `options` exists with its requirements installed; returns
 * `{ python, venv, sdkVersion, installed }` (`installed` is false when it was already there).
 * Throws `PythonEnvError` with the fix when Python, venv or pip is not usable.
 */
export function ensurePythonEnv(options = {}) {
  const { label, requirements } = requirementsFor(options);
  const base = path.join(root, '.tmp', 'python');
  const venv = path.join(base, `venv-${label}`);
  const stampFile = path.join(venv, '.iii-requirements.sha256');
  const python = venvPython(venv);
  const digest = createHash('sha256').update(requirements).digest('hex');
  const log = options.log ?? ((line) => process.stderr.write(`[python-env] ${line}\n`));

  const ready = () =>
    existsSync(python) && existsSync(stampFile) && readFileSync(stampFile, 'utf8').trim() === digest && installedSdkVersion(python) === label;
  if (ready()) return { python, venv, sdkVersion: label, installed: false };

  mkdirSync(base, { recursive: true });
  const release = acquireLock(`${venv}.lock`);
  try {
    if (ready()) return { python, venv, sdkVersion: label, installed: false }; // built while we waited
    const basePython = findBasePython();
    log(`creating ${path.relative(root, venv)} with Python ${basePython.version} (${basePython.exe}) and iii-sdk ${label} from PyPI`);
    rmSync(venv, { recursive: true, force: true });
    const created = run(basePython.exe, ['-m', 'venv', venv], 120_000);
    if (created.status !== 0) {
      throw new PythonEnvError(
        `python -m venv ${venv} failed: ${(created.stderr || created.stdout || String(created.error)).trim()}\n` +
          `Install the venv module: apt-get install -y python3-venv (Debian/Ubuntu).`,
      );
    }
    const reqFile = path.join(venv, 'requirements.txt');
    writeFileSync(reqFile, requirements);
    const started = Date.now();
    const pip = run(python, ['-m', 'pip', 'install', '--no-input', '--quiet', '-r', reqFile], PIP_TIMEOUT_MS);
    if (pip.status !== 0) {
      const why = pip.error?.code === 'ETIMEDOUT' ? `pip did not finish within ${PIP_TIMEOUT_MS / 60000} min` : (pip.stderr || pip.stdout).trim().replace(/\(from versions: [^)]*\)/g, '(from versions: …; see pip index versions --pre iii-sdk)').split('\n').slice(-8).join('\n');
      rmSync(venv, { recursive: true, force: true });
      throw new PythonEnvError(
        `pip could not install iii-sdk ${label} into ${path.relative(root, venv)}:\n${why}\n` +
          'Is https://pypi.org reachable from this machine? (A mirror works too: set PIP_INDEX_URL.)',
      );
    }
    const got = installedSdkVersion(python);
    if (got !== label) throw new PythonEnvError(`after pip install, the venv reports iii-sdk ${got ?? '(none)'} instead of ${label}`);
    writeFileSync(stampFile, `${digest}\n`);
    log(`iii-sdk ${label} installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return { python, venv, sdkVersion: label, installed: true };
  } finally {
    release();
  }
}

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--next') out.next = true;
    else if (argv[i] === '--sdk') out.sdk = argv[++i];
    else if (argv[i].startsWith('--sdk=')) out.sdk = argv[i].slice('--sdk='.length);
    else throw new PythonEnvError(`unknown argument ${argv[i]} (use --next or --sdk <version>)`);
  }
  return out;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const env = ensurePythonEnv(parseArgs(process.argv.slice(2)));
    process.stdout.write(`${env.python}\n`);
  } catch (e) {
    process.stderr.write(`${e instanceof PythonEnvError ? e.message : (e?.stack ?? String(e))}\n`);
    process.exit(1);
  }
}
