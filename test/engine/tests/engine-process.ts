// The reference engine as a child process started through its CLI, for the tests where the
// engine dying must be observable (an in-process engine would take the test runner down with it)
// and where its memory is measured on its own (RSS of that process only). The CLI is compiled
// from the sources with esbuild (once per test file, a fraction of a second) and run by plain
// node, as the published binary runs: no TypeScript loader thread in the measured process.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { withTimeout } from './raw-client';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

let compiled: Promise<string> | undefined;

/**
 * cli/main.ts bundled into one ESM file under .tmp/ (so that `ws` resolves from the repository's
 * node_modules); removed when the test process exits.
 */
function compiledCli(): Promise<string> {
  compiled ??= (async () => {
    mkdirSync(join(ROOT, '.tmp'), { recursive: true });
    const dir = mkdtempSync(join(ROOT, '.tmp', 'engine-cli-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    const outfile = join(dir, 'main.mjs');
    await build({
      entryPoints: [join(ROOT, 'cli/main.ts')],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      external: ['ws'],
      logLevel: 'error',
    });
    return outfile;
  })();
  return compiled;
}

const READY = /^iii reference engine listening on (ws:\/\/\S+)$/;

export interface EngineProcess {
  /** The first listener. */
  readonly url: string;
  /** Every listener, from its ready lines. */
  readonly urls: string[];
  readonly child: ChildProcess;
  /** Exit code/signal once the process has ended; undefined while it runs. */
  readonly exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  /** Everything the engine wrote to stderr (its crash report, when it crashes). */
  readonly stderr: () => string;
  /** Resident set size of the engine process, in MiB. */
  rssMiB(): number;
  /** SIGTERM, then SIGKILL after 3 s; resolves once the process has gone. */
  stop(): Promise<void>;
}

function rssKiB(pid: number): number {
  if (process.platform === 'linux') {
    const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    if (m) return Number(m[1]);
  }
  return Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).trim());
}

/**
 * Starts the engine CLI on an ephemeral port and resolves once it printed its ready lines (one
 * per listener: pass how many a `--config` declares).
 */
export async function spawnEngine(extraArgs: string[] = [], { listeners = 1, nodeArgs = [] as string[] } = {}): Promise<EngineProcess> {
  const cli = await compiledCli();
  const child = spawn(process.execPath, [...nodeArgs, cli, 'engine', '--port', '0', ...extraArgs], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let exited: EngineProcess['exited'];
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const gone = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    }),
  );
  const urls = await withTimeout(
    new Promise<string[]>((resolve, reject) => {
      let buf = '';
      child.stdout!.on('data', (d: Buffer) => {
        buf += d.toString();
        const found = buf.split('\n').flatMap((l) => READY.exec(l.trim())?.[1] ?? []);
        if (found.length >= listeners) resolve(found);
      });
      void gone.then(() => reject(new Error(`engine exited before its ready line: ${err}`)));
    }),
    15000,
    'the engine ready line',
  ).catch((e: unknown) => {
    child.kill('SIGKILL');
    throw e;
  });
  return {
    url: urls[0]!,
    urls,
    child,
    get exited() {
      return exited;
    },
    stderr: () => err,
    rssMiB: () => rssKiB(child.pid!) / 1024,
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 3000);
      await gone;
      clearTimeout(t);
    },
  };
}
