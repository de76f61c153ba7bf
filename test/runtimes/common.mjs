// Shared plumbing of the non-vitest runners: one line per case, an overall deadline,
// bounded child processes, and the final `RESULT {...}` line (a broken runner always
// reports failed >= 1).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const children = new Set();
let finished = false;

/** Loads a TypeScript module (the orchestrator, the engine) through tsx. */
export async function importTs(relativeToRepo) {
  const { tsImport } = await import('tsx/esm/api');
  return tsImport(path.join(repoRoot, relativeToRepo), import.meta.url);
}

export function createReporter(runner) {
  const results = [];
  let brokenReason;
  const reporter = {
    results,
    /** Records and prints one case outcome; `skipped` is the reason a case did not run. */
    record(name, ok, ms, error, skipped) {
      results.push({ name, ok, ms, error, skipped });
      const time = typeof ms === 'number' ? ` (${Math.round(ms)} ms)` : '';
      if (skipped !== undefined) console.log(`skip ${runner} › ${name}: ${skipped}`);
      else if (ok) console.log(`ok   ${runner} › ${name}${time}`);
      else console.log(`FAIL ${runner} › ${name}${time}: ${String(error ?? 'failed').split('\n').join('\n       ')}`);
    },
    /** The runner itself broke (build, spawn, page crash): counted as a failure. */
    broken(reason) {
      brokenReason ??= reason;
      console.log(`BROKEN ${runner}: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`);
    },
    async finish() {
      if (finished) return;
      finished = true;
      await killChildren();
      const skipped = results.filter((r) => r.skipped !== undefined).length;
      const passed = results.filter((r) => r.ok).length - skipped;
      let failed = results.length - passed - skipped;
      if (brokenReason === undefined && passed + failed === 0) reporter.broken('no case ran (a --grep that matches nothing?)');
      if (brokenReason !== undefined) failed = Math.max(failed, 1);
      // `skipped` only when some case was skipped (against an external engine; it names why).
      console.log(`RESULT ${JSON.stringify({ runner, passed, failed, ...(skipped ? { skipped } : {}) })}`);
      process.exitCode = failed > 0 ? 1 : 0;
      // Anything still holding the loop (sockets of a broken engine) must not hang the runner.
      setTimeout(() => process.exit(process.exitCode), 500).unref();
    },
  };
  return reporter;
}

/** Bounds the whole runner: on expiry the runner reports itself broken and exits. */
export function deadline(reporter, ms) {
  const timer = setTimeout(async () => {
    reporter.broken(`overall time bound of ${ms} ms exceeded`);
    await reporter.finish();
    process.exit(1);
  }, ms);
  timer.unref();
  const onSignal = async (signal) => {
    reporter.broken(`interrupted by ${signal}`);
    await reporter.finish();
    process.exit(1);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return () => clearTimeout(timer);
}

/**
 * Spawns a child in its own process group (so its own children die with it), streams
 * its stdout lines to `onLine`, and kills it when `timeoutMs` passes.
 */
export function spawnBounded(command, args, { timeoutMs, env, cwd, onLine, onStderr }) {
  const child = spawn(command, args, {
    cwd: cwd ?? repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  children.add(child);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killChild(child);
  }, timeoutMs);
  const lines = (stream, cb) => {
    let buf = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      buf += chunk;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        cb(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    });
    stream.on('end', () => {
      if (buf) cb(buf);
    });
  };
  lines(child.stdout, onLine ?? (() => undefined));
  lines(child.stderr, onStderr ?? ((l) => process.stderr.write(`${l}\n`)));
  const done = new Promise((resolve) => {
    child.on('error', (error) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code: null, signal: null, timedOut, error });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, signal, timedOut });
    });
  });
  return { child, done };
}

function killChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}

export async function killChildren() {
  for (const child of children) killChild(child);
  children.clear();
}

/** Parses the `CASE {...}` lines the in-runtime harnesses print. */
export function caseLineParser(reporter) {
  return (line) => {
    if (line.startsWith('CASE ')) {
      try {
        const r = JSON.parse(line.slice(5));
        reporter.record(r.name, r.ok, r.ms, r.error, r.skipped);
        return;
      } catch {
        // fall through: print it as output
      }
    }
    if (line.trim()) console.log(`  | ${line}`);
  };
}

/** Runs `fn` with a bound; rejects with a clear message when it takes too long. */
export function within(ms, what, promise) {
  let t;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      t = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(t));
}

/** Bundles the conformance suite (and its assert helper) into one ESM file for a runtime. */
export async function bundleSuite(runner) {
  const esbuild = await import('esbuild');
  const outfile = path.join(repoRoot, '.tmp/runtimes', runner, 'suite.mjs');
  await esbuild.build({
    entryPoints: [path.join(repoRoot, 'test/conformance/suite.ts')],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    outfile,
    logLevel: 'error',
  });
  return outfile;
}

/** Bundles a Worker module the way wrangler does (esbuild, `workerd` condition); returns its text. */
export async function bundleWorker(relativeToRepo) {
  const esbuild = await import('esbuild');
  const out = await esbuild.build({
    entryPoints: [path.join(repoRoot, relativeToRepo)],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'],
    target: 'es2022',
    write: false,
    logLevel: 'error',
  });
  return out.outputFiles[0].text;
}

/**
 * Cases run by the runner itself (in Node), after the in-runtime suite: `{name, run(config)}`,
 * each bounded to 60 s, filtered by `grep`, recorded like the others.
 */
export async function runExtraCases(reporter, cases, config, grep) {
  for (const c of cases.filter((x) => !grep || new RegExp(grep).test(x.name))) {
    const started = Date.now();
    try {
      await within(60_000, `case "${c.name}"`, c.run(config));
      reporter.record(c.name, true, Date.now() - started);
    } catch (error) {
      reporter.record(c.name, false, Date.now() - started, error instanceof Error ? error.message : String(error));
    }
  }
}

/** Fails early, and clearly, when the runtime entry has not been built. */
export async function requireBuilt(entry) {
  const { access } = await import('node:fs/promises');
  const file = path.join(repoRoot, 'dist', entry, 'index.js');
  try {
    await access(file);
  } catch {
    throw new Error(`${path.relative(repoRoot, file)} is missing: run \`npm run build\` first`);
  }
  return file;
}

/** Case-name filter from `--grep <regexp>` or env CONFORMANCE_GREP. */
export function grepArg() {
  const i = process.argv.indexOf('--grep');
  return i >= 0 ? process.argv[i + 1] : process.env.CONFORMANCE_GREP;
}

/**
 * Shared body of the Deno and Bun runners: orchestrator up, the runtime's main script in a
 * bounded child that prints `CASE {...}` lines and `DONE`, then `extraCases` (`{name, run(config)}`,
 * each bounded to 60 s, filtered by `--grep`), orchestrator down.
 */
export async function runChildRuntime({ runner, entry, command, args, overallMs = 240_000, extraCases = [] }) {
  const reporter = createReporter(runner);
  deadline(reporter, overallMs);
  let orchestrator;
  try {
    await requireBuilt(entry);
    await requireBuilt('node');
    const suite = await bundleSuite(runner);
    const { startOrchestrator } = await importTs('test/runtimes/orchestrator.ts');
    orchestrator = await within(15_000, 'orchestrator start', startOrchestrator({}));
    let sawDone = false;
    let brokenLine;
    const parse = caseLineParser(reporter);
    const { pathToFileURL } = await import('node:url');
    const grep = grepArg();
    const { done } = spawnBounded(command, args(JSON.stringify(orchestrator.config), pathToFileURL(suite).href, grep), {
      timeoutMs: overallMs - 20_000,
      onLine: (line) => {
        if (line === 'DONE') sawDone = true;
        else if (line.startsWith('BROKEN ')) brokenLine = line.slice(7);
        else parse(line);
      },
    });
    const exit = await done;
    if (brokenLine) reporter.broken(brokenLine);
    else if (exit.error) reporter.broken(`could not start ${command}: ${exit.error.message}`);
    else if (exit.timedOut) reporter.broken(`${runner} child killed after its time bound`);
    else if (!sawDone) reporter.broken(`${runner} child exited (code ${exit.code}, signal ${exit.signal}) before finishing`);
    await runExtraCases(reporter, extraCases, orchestrator.config, grep);
  } catch (error) {
    reporter.broken(error);
  } finally {
    if (orchestrator) await within(8000, 'orchestrator close', orchestrator.close()).catch((e) => reporter.broken(e));
    await reporter.finish();
  }
}
