/**
 * Builds what the demo serves, from what users get:
 *   1. the SDK's runtime entries (`dist/browser/index.js`, `dist/workers/index.js`) with the
 *      project's rollup config, when they are missing or older than the sources;
 *   2. the page (`demo/page/app.ts` → `demo/public/app.js`) and the edge function
 *      (`demo/edge/worker.ts` → `.tmp/demo/edge-worker.js`) with esbuild.
 *
 * The demo sources import `platform/<runtime>/index.js` so that `tsc` types them from source;
 * the esbuild plugin below swaps that import for the BUILT `dist/<runtime>/index.js`.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const publicDir = path.join(root, 'demo', 'public');
export const edgeBundle = path.join(root, '.tmp', 'demo', 'edge-worker.js');

const RUNTIMES = ['browser', 'workers'] as const;
const BUILD_TIMEOUT_MS = 180_000;

function newest(p: string): number {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let max = 0;
  for (const entry of readdirSync(p)) max = Math.max(max, newest(path.join(p, entry)));
  return max;
}

function distIsStale(): boolean {
  const sources = Math.max(newest(path.join(root, 'src')), newest(path.join(root, 'platform')), newest(path.join(root, 'rollup.config.mjs')));
  return RUNTIMES.some((rt) => {
    const file = path.join(root, 'dist', rt, 'index.js');
    return !existsSync(file) || statSync(file).mtimeMs < sources;
  });
}

/** Runs the project's rollup build for the entries the demo needs. */
async function buildDist(log: (line: string) => void): Promise<void> {
  log(`[build] dist/{${RUNTIMES.join(',')}} missing or stale: running rollup`);
  const rollupBin = path.join(root, 'node_modules', 'rollup', 'dist', 'bin', 'rollup');
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [rollupBin, '-c', 'rollup.config.mjs', '--silent'], {
      cwd: root,
      env: { ...process.env, III_BUILD_ENTRIES: RUNTIMES.join(',') },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`rollup took longer than ${BUILD_TIMEOUT_MS / 1000}s`));
    }, BUILD_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`rollup exited with ${code}`));
    });
  });
}

/** Redirects `…/platform/<runtime>/index.js` to `dist/<runtime>/index.js`. */
function useBuiltEntry(runtime: (typeof RUNTIMES)[number]): esbuild.Plugin {
  const built = path.join(root, 'dist', runtime, 'index.js');
  return {
    name: 'iii-use-built-entry',
    setup(build) {
      build.onResolve({ filter: new RegExp(`platform/${runtime}/index\\.(js|ts)$`) }, () => ({ path: built }));
    },
  };
}

export interface BuildOptions {
  log?: (line: string) => void;
  /** Skip the rollup step even when dist looks stale. */
  skipDist?: boolean;
}

export async function buildDemo(options: BuildOptions = {}): Promise<{ page: string; edge: string }> {
  const log = options.log ?? ((line: string) => console.log(line));
  if (!options.skipDist && process.env.DEMO_SKIP_BUILD !== '1' && distIsStale()) {
    try {
      await buildDist(log);
    } catch (error) {
      const have = RUNTIMES.every((rt) => existsSync(path.join(root, 'dist', rt, 'index.js')));
      if (!have) throw error;
      log(`[build] warning: ${(error as Error).message}; using the dist/ already built`);
    }
  }
  for (const rt of RUNTIMES) {
    if (!existsSync(path.join(root, 'dist', rt, 'index.js'))) throw new Error(`dist/${rt}/index.js is missing after the build`);
  }
  mkdirSync(path.dirname(edgeBundle), { recursive: true });
  const page = path.join(publicDir, 'app.js');
  await Promise.all([
    esbuild.build({
      entryPoints: [path.join(root, 'demo', 'page', 'app.ts')],
      outfile: page,
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      sourcemap: 'inline',
      logLevel: 'warning',
      // rollup leaves bare `import 'valibot'` lines in dist (hoisted transitive imports); harmless.
      logOverride: { 'ignored-bare-import': 'silent' },
      plugins: [useBuiltEntry('browser')],
    }),
    esbuild.build({
      entryPoints: [path.join(root, 'demo', 'edge', 'worker.ts')],
      outfile: edgeBundle,
      bundle: true,
      format: 'esm',
      platform: 'browser',
      conditions: ['workerd', 'worker', 'browser'],
      target: 'es2022',
      logLevel: 'warning',
      logOverride: { 'ignored-bare-import': 'silent' },
      plugins: [useBuiltEntry('workers')],
    }),
  ]);
  return { page, edge: edgeBundle };
}
