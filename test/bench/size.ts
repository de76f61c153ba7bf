// Size of each built entry and of the official iii-sdk, all measured the same way: esbuild
// bundle + minify with code splitting, then gzip -9 of each output file.
// - eager: what loads before the first call: the entry and every chunk it imports statically
// - lazy: chunks reached only through dynamic import() (loaded on first use, e.g. channels)
// - own: the package's code, dependencies external; full: dependencies bundled in
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { ROOT } from './common.js';

export interface SizeRow {
  entry: string;
  platform: 'node' | 'browser' | 'neutral';
  /** Bytes of the built entry file(s) on disk: the entry and its sibling chunks. */
  rawBytes: number;
  ownMinGz: number;
  ownLazyMinGz: number;
  fullMinGz: number;
  fullLazyMinGz: number;
  fullMin: number;
  error?: string;
}

const PLATFORM: Record<string, { platform: 'node' | 'browser' | 'neutral'; conditions: string[] }> = {
  node: { platform: 'node', conditions: ['node'] },
  bun: { platform: 'node', conditions: ['bun', 'node'] },
  browser: { platform: 'browser', conditions: ['browser'] },
  workers: { platform: 'browser', conditions: ['workerd', 'worker', 'browser'] },
  deno: { platform: 'browser', conditions: ['deno', 'browser'] },
};

interface Split {
  eagerMin: number;
  eagerGz: number;
  lazyGz: number;
}

async function minGz(file: string, platform: 'node' | 'browser' | 'neutral', conditions: string[], external: boolean): Promise<Split> {
  const esbuild = await import('esbuild');
  const r = await esbuild.build({
    entryPoints: [file],
    bundle: true,
    minify: true,
    splitting: true,
    format: 'esm',
    platform,
    conditions,
    packages: external ? 'external' : undefined,
    // Runtime built-ins are never shipped; `cloudflare:*` resolves inside workerd.
    external: ['cloudflare:*', 'node:*'],
    outdir: '/bench-size-out',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const outputs = r.metafile.outputs;
  // Metafile keys are relative to the working directory; output files carry absolute paths.
  const files = new Map(r.outputFiles.map((f) => [f.path, f.contents]));
  const key = (p: string): string => path.resolve(process.cwd(), p);
  const entryKey = Object.keys(outputs).find((k) => outputs[k]!.entryPoint)!;
  // Walk static imports from the entry: that is what a page loads before the first call.
  const eager = new Set<string>();
  const stack = [entryKey];
  for (let i = 0; i < 10_000 && stack.length; i++) {
    const k = stack.pop()!;
    if (eager.has(k)) continue;
    eager.add(k);
    for (const imp of outputs[k]?.imports ?? []) if (imp.kind === 'import-statement' && !imp.external && outputs[imp.path]) stack.push(imp.path);
  }
  let eagerMin = 0;
  let eagerGz = 0;
  let lazyGz = 0;
  for (const k of Object.keys(outputs)) {
    if (k.endsWith('.map')) continue;
    const bytes = files.get(key(k));
    if (!bytes) continue;
    const gz = gzipSync(bytes, { level: 9 }).length;
    if (eager.has(k)) {
      eagerMin += bytes.length;
      eagerGz += gz;
    } else lazyGz += gz;
  }
  return { eagerMin, eagerGz, lazyGz };
}

async function row(entry: string, file: string, platform: 'node' | 'browser' | 'neutral', conditions: string[], onDisk: number): Promise<SizeRow> {
  try {
    const own = await minGz(file, platform, conditions, true);
    const full = await minGz(file, platform, conditions, false);
    return { entry, platform, rawBytes: onDisk, ownMinGz: own.eagerGz, ownLazyMinGz: own.lazyGz, fullMinGz: full.eagerGz, fullLazyMinGz: full.lazyGz, fullMin: full.eagerMin };
  } catch (e) {
    const nan = Number.NaN;
    return { entry, platform, rawBytes: onDisk, ownMinGz: nan, ownLazyMinGz: nan, fullMinGz: nan, fullLazyMinGz: nan, fullMin: nan, error: String((e as Error)?.message ?? e).slice(0, 400) };
  }
}

export async function measureSizes(): Promise<SizeRow[]> {
  const rows: SizeRow[] = [];
  const dist = path.join(ROOT, 'dist');
  if (existsSync(dist)) {
    for (const d of readdirSync(dist, { withFileTypes: true })) {
      const dir = path.join(dist, d.name);
      const file = path.join(dir, 'index.js');
      if (!d.isDirectory() || !existsSync(file)) continue;
      const onDisk = readdirSync(dir)
        .filter((f) => f.endsWith('.js'))
        .reduce((n, f) => n + readFileSync(path.join(dir, f)).length, 0);
      const p = PLATFORM[d.name] ?? { platform: 'neutral' as const, conditions: [] };
      rows.push(await row(`dist/${d.name}/index.js`, file, p.platform, p.conditions, onDisk));
    }
  }
  const sdk = path.join(ROOT, 'node_modules', 'iii-sdk', 'dist', 'index.mjs');
  rows.push(await row('iii-sdk 0.22.1 (node)', sdk, 'node', ['node'], readFileSync(sdk).length));
  return rows;
}
