// Guards on the built artefact and the core:
// - importing any built entry does no work at module scope: no timer, no random draw, no
//   WebSocket or fetch (workerd rejects such work at startup);
// - nothing under src/ imports a runtime module or reads a runtime global, and the build's
//   guard plugin refuses one.
// Needs `npm run build` for the entry checks.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

// Runs in a fresh Node process: instrument, import the entry, report what was touched.
const probe = String.raw`
const touched = [];
const wrap = (obj, key, label) => {
  const original = obj[key];
  if (typeof original !== 'function') return;
  obj[key] = function (...args) { touched.push(label); return original.apply(this, args); };
};
for (const k of ['setTimeout', 'setInterval', 'setImmediate', 'queueMicrotask']) wrap(globalThis, k, k);
wrap(Math, 'random', 'Math.random');
wrap(globalThis.crypto, 'getRandomValues', 'crypto.getRandomValues');
wrap(globalThis.crypto, 'randomUUID', 'crypto.randomUUID');
for (const k of ['WebSocket', 'fetch']) {
  const value = globalThis[k];
  Object.defineProperty(globalThis, k, {
    configurable: true,
    get() { touched.push(k); return value; },
    set(v) { touched.push(k + '='); },
  });
}
const [kind, target] = process.argv.slice(-2);
const load = kind === 'cjs'
  ? Promise.resolve().then(() => require(target))
  : import(target);
load.then(
  (mod) => { process.stdout.write(JSON.stringify({ touched, exports: Object.keys(mod).length })); },
  (err) => { process.stdout.write(JSON.stringify({ error: String(err && err.stack || err) })); },
);
`;

function probeEntry(kind: 'esm' | 'cjs', file: string): Promise<{ touched?: string[]; exports?: number; error?: string }> {
  const target = kind === 'cjs' ? file : pathToFileURL(file).href;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--input-type=commonjs', '-e', probe, kind, target],
      { cwd: root, timeout: 15000 },
      (error, stdout, stderr) => {
        if (error && !stdout) reject(new Error(`${error.message}\n${stderr}`));
        else resolve(JSON.parse(stdout));
      },
    );
  });
}

const entries: Array<[string, 'esm' | 'cjs', string]> = [
  ['node (ESM)', 'esm', 'dist/node/index.js'],
  ['node (CJS)', 'cjs', 'dist/node/index.cjs'],
  ['browser', 'esm', 'dist/browser/index.js'],
  ['deno', 'esm', 'dist/deno/index.js'],
  ['workers', 'esm', 'dist/workers/index.js'],
  ['bun', 'esm', 'dist/bun/index.js'],
];

describe('importing a built entry does no work at module scope', () => {
  for (const [name, kind, rel] of entries) {
    const file = path.join(root, rel);
    it.runIf(existsSync(file))(name, async () => {
      const result = await probeEntry(kind, file);
      expect(result.error).toBeUndefined();
      expect(result.exports).toBeGreaterThan(10);
      expect(result.touched).toEqual([]);
    });
    it.skipIf(existsSync(file))(`${name} (needs \`npm run build\`)`, () => {
      throw new Error(`${rel} is missing: run \`npm run build\` first`);
    });
  }
});

/**
 * The value exports each declaration file declares (types only are left out), read by the
 * compiler: one program for all of them, so the shared chunk is checked once.
 */
async function declaredValues(files: string[]): Promise<Map<string, string[]>> {
  const ts = (await import('typescript')).default;
  const program = ts.createProgram(files, {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  });
  const checker = program.getTypeChecker();
  const out = new Map<string, string[]>();
  for (const file of files) {
    const source = program.getSourceFile(file);
    const symbol = source && checker.getSymbolAtLocation(source);
    if (!symbol) throw new Error(`${file}: not a module`);
    const values = checker
      .getExportsOfModule(symbol)
      .filter((s) => ((s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s).flags & ts.SymbolFlags.Value) !== 0);
    out.set(path.relative(root, file), values.map((s) => s.name).sort());
  }
  return out;
}

describe('the declarations of each entry declare exactly what it exports at run time', () => {
  const built = entries.filter(([, kind, rel]) => kind === 'esm' && existsSync(path.join(root, rel)));
  it.runIf(built.length === 5)('dist/<entry>/index.d.ts per entry, dist/index.d.ts the portable rest', async () => {
    const declared = await declaredValues(
      [...built.map(([, , rel]) => rel.replace(/\.js$/, '.d.ts')), 'dist/index.d.ts', 'dist/node/index.d.cts'].map((f) => path.join(root, f)),
    );
    const surfaces = new Map<string, string[]>();
    for (const [name, , rel] of built) {
      const mod = (await import(pathToFileURL(path.join(root, rel)).href)) as Record<string, unknown>;
      const names = Object.keys(mod).sort();
      // Its own platform factory only: `import { createBrowserPlatform }` fails to type-check
      // where it would fail to load.
      expect(names.filter((n) => /^create\w+Platform$/.test(n)), name).toHaveLength(1);
      expect(declared.get(rel.replace(/\.js$/, '.d.ts')), `${rel} vs its .d.ts`).toEqual(names);
      surfaces.set(name, names.filter((n) => !/^create\w+Platform$/.test(n)));
    }
    const node = surfaces.get('node (ESM)')!;
    for (const [name, names] of surfaces) expect(names, name).toEqual(node);
    expect(declared.get('dist/index.d.ts'), 'the portable dist/index.d.ts').toEqual(node);
    expect(declared.get('dist/node/index.d.cts'), 'dist/node/index.d.cts').toEqual(declared.get('dist/node/index.d.ts'));
  }, 60_000);
});

async function tsFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await tsFiles(p)));
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

describe('src/ is the runtime-neutral core', () => {
  it('no module under src/ imports a runtime module', async () => {
    const { isRuntimeModule } = (await import(pathToFileURL(path.join(root, 'rollup.config.mjs')).href)) as {
      isRuntimeModule(id: string): boolean;
    };
    const offenders: string[] = [];
    const specifier = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)['"]([^'"]+)['"]/g;
    for (const file of await tsFiles(path.join(root, 'src'))) {
      const text = await readFile(file, 'utf8');
      for (const m of text.matchAll(specifier)) {
        if (isRuntimeModule(m[1]!)) offenders.push(`${path.relative(root, file)}: ${m[1]}`);
      }
      // Deno.* / Bun.* in code (comments stripped crudely first).
      const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
      for (const m of code.matchAll(/\b(Deno|Bun)\s*\./g)) offenders.push(`${path.relative(root, file)}: ${m[1]}.`);
    }
    expect(offenders).toEqual([]);
  });

  it('the build guard refuses a runtime import under src/ and allows it under platform/', async () => {
    const { runtimeNeutralCore } = (await import(pathToFileURL(path.join(root, 'rollup.config.mjs')).href)) as {
      runtimeNeutralCore(): { resolveId(this: unknown, source: string, importer?: string): unknown };
    };
    const plugin = runtimeNeutralCore();
    const ctx = {
      error(message: string): never {
        throw new Error(message);
      },
    };
    for (const id of ['node:fs', 'ws', 'isomorphic-ws', 'cloudflare:sockets', 'bun:sqlite', 'os']) {
      expect(() => plugin.resolveId.call(ctx, id, path.join(root, 'src/client.ts'))).toThrow(/runtime-neutral core/);
    }
    expect(plugin.resolveId.call(ctx, 'valibot', path.join(root, 'src/client.ts'))).toBeNull();
    expect(plugin.resolveId.call(ctx, 'node:os', path.join(root, 'platform/node/platform.ts'))).toBeNull();
  });

  it('the build guard refuses runtime globals under src/ but not names that only look like them', async () => {
    const { runtimeNeutralCore } = (await import(pathToFileURL(path.join(root, 'rollup.config.mjs')).href)) as {
      runtimeNeutralCore(): { moduleParsed(this: unknown, info: { id: string; ast: unknown }): void };
    };
    const { parseAst } = await import('rollup/parseAst');
    const plugin = runtimeNeutralCore();
    const ctx = {
      error(message: string): never {
        throw new Error(message);
      },
    };
    const check = (code: string, file = 'src/x.ts') => () => plugin.moduleParsed.call(ctx, { id: path.join(root, file), ast: parseAst(code) });
    expect(check('export const u = process.env.III_URL;')).toThrow(/runtime global "process"/);
    expect(check('export const h = Deno.hostname();')).toThrow(/runtime global "Deno"/);
    expect(check('export const b = globalThis.Bun;')).not.toThrow(); // a property read is a name, not the global
    expect(check('export const o = { process: 1 }; export class A { process() {} } export const p = o.process;')).not.toThrow();
    expect(check('export const u = process.env.X;', 'platform/node/platform.ts')).not.toThrow();
  });
});
