// Builds one ESM entry per runtime (plus, for the web entries, the chunks it loads on first use
// beside it), a CJS file for Node and one bundled declaration file. Dependencies stay external (package.json "dependencies"):
// bundlers dedupe them, Deno and Bun resolve them from node_modules, and wrangler
// bundles them for workerd (measured by e2e/run-pack.mjs).
import { readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import typescript from '@rollup/plugin-typescript';
import { dts } from 'rollup-plugin-dts';

const root = path.dirname(fileURLToPath(import.meta.url));
const srcDir = path.join(root, 'src') + path.sep;

const nodeOnly = ['ws', 'isomorphic-ws'];
// valibot (types only), @valibot/to-json-schema: whatever package.json lists, minus the Node-only sockets.
const dependencies = Object.keys(JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).dependencies ?? {}).filter(
  (d) => !nodeOnly.includes(d),
);

/** Bare ids that name a runtime: the core under src/ must never import them (ARCHITECTURE.md "Layers"). */
export function isRuntimeModule(id) {
  return (
    id.startsWith('node:') ||
    id.startsWith('cloudflare:') ||
    id.startsWith('bun:') ||
    id === 'bun' ||
    id.startsWith('jsr:') ||
    id.startsWith('npm:') ||
    /^https?:\/\/deno\.land\//.test(id) ||
    nodeOnly.includes(id) ||
    nodeOnly.some((m) => id.startsWith(`${m}/`)) ||
    builtinModules.includes(id)
  );
}

/** Runtime-specific globals the core must not touch; web standards are fine. */
const runtimeGlobals = new Set(['Deno', 'Bun', 'process', 'Buffer', 'require', '__dirname', '__filename']);

function walk(node, visit, parent, key) {
  if (!node || typeof node.type !== 'string') return;
  visit(node, parent, key);
  for (const k of Object.keys(node)) {
    if (k === 'start' || k === 'end' || k === 'loc' || k === 'range') continue;
    const child = node[k];
    if (Array.isArray(child)) for (const c of child) walk(c, visit, node, k);
    else if (child && typeof child.type === 'string') walk(child, visit, node, k);
  }
}

/**
 * The build guard: fails the build when a module under src/ imports a runtime module
 * or reads a runtime global (`Deno.*`, `Bun.*`, `process`, `Buffer`, `require`).
 */
export function runtimeNeutralCore() {
  const inSrc = (id) => id && path.resolve(id).startsWith(srcDir);
  return {
    name: 'iii-runtime-neutral-core',
    resolveId(source, importer) {
      if (inSrc(importer) && isRuntimeModule(source)) {
        this.error(
          `${path.relative(root, importer)} imports "${source}": src/ is the runtime-neutral core; ` +
            'reach the runtime through the injected Platform (src/platform.ts) instead.',
        );
      }
      return null;
    },
    moduleParsed(info) {
      if (!inSrc(info.id) || !info.ast) return;
      walk(info.ast, (node, parent, key) => {
        if (node.type !== 'Identifier' || !runtimeGlobals.has(node.name)) return;
        // `x.process`, `{ process: 1 }` and `class { process() {} }` are names, not globals.
        if (parent?.type === 'MemberExpression' && key === 'property' && !parent.computed) return;
        if ((parent?.type === 'Property' || parent?.type === 'MethodDefinition' || parent?.type === 'PropertyDefinition') && key === 'key' && !parent.computed) return;
        this.error(
          `${path.relative(root, info.id)} uses the runtime global "${node.name}": src/ must stay runtime-neutral ` +
            '(ARCHITECTURE.md "Layers"); put runtime code under platform/.',
        );
      });
    },
  };
}

const entries = {
  node: { external: [...dependencies, ...nodeOnly] },
  browser: { external: dependencies },
  deno: { external: dependencies },
  workers: { external: dependencies },
  bun: { external: dependencies },
};

function external(list, allowNodeBuiltins) {
  return (id) => list.includes(id) || list.some((m) => id.startsWith(`${m}/`)) || (allowNodeBuiltins && id.startsWith('node:'));
}

/** The browser, Deno, Workers and Bun entries are web-standard only: no runtime module at all. */
function webOnly(entry) {
  return {
    name: 'iii-web-only-entry',
    resolveId(source, importer) {
      if (importer && isRuntimeModule(source)) {
        this.error(`${path.relative(root, importer)} imports "${source}": the ${entry} entry is built from web-standard APIs only.`);
      }
      return null;
    },
  };
}

function ts() {
  return typescript({
    tsconfig: path.join(root, 'tsconfig.json'),
    include: ['src/**/*.ts', 'platform/**/*.ts'],
    exclude: ['test/**', 'e2e/**', 'demo/**', 'scripts/**', '**/*.test.ts'],
    compilerOptions: { noEmit: false, declaration: false, declarationMap: false, sourceMap: false, outDir: undefined },
    noEmitOnError: true,
  });
}

/**
 * Empties dist/ once, when the first build has compiled and is about to write (the CLI runs
 * the configs one after another), so a failed compile leaves the previous dist/ in place.
 */
function cleanDist() {
  let done = false;
  return {
    name: 'iii-clean-dist',
    generateBundle() {
      if (done) return;
      done = true;
      rmSync(path.join(root, 'dist'), { recursive: true, force: true });
    },
  };
}

const banner = '/* iii-isomorphic: generated by rollup from platform/ and src/; do not edit. */';

const builds = Object.entries(entries).map(([name, { external: ext }], index) => ({
  input: `platform/${name}/index.ts`,
  external: external(ext, name === 'node'),
  treeshake: { moduleSideEffects: false },
  plugins: [
    ...(index === 0 && !process.env.III_BUILD_ENTRIES ? [cleanDist()] : []),
    runtimeNeutralCore(),
    ...(name === 'node' ? [] : [webOnly(name)]),
    ts(),
  ],
  // What a page may never need is imported on first use (src/lazy.ts): the reader's and the
  // writer's channel machinery, the listings' decoders, the valibot converter, the code that
  // takes bindings delivered to a trigger-type provider. The web entries
  // emit each as a chunk beside index.js, which a bundler keeps as a chunk of the app, so a page
  // that never uses it never downloads it (`npm run size` measures what pages download);
  // bundlers, Deno, Bun and wrangler resolve the relative imports like any other. Node keeps one
  // self-contained file per format: size does not matter there, and a CJS entry that require()s
  // a sibling chunk is one more thing to get wrong.
  output:
    name === 'node'
      ? [
          { file: 'dist/node/index.js', format: 'es', banner, inlineDynamicImports: true },
          { file: 'dist/node/index.cjs', format: 'cjs', exports: 'named', banner, inlineDynamicImports: true },
        ]
      : [{ dir: `dist/${name}`, entryFileNames: 'index.js', chunkFileNames: '[name]-[hash].js', format: 'es', banner }],
}));

// Declarations per entry, so that types match what each entry exports at run time
// (`import { createBrowserPlatform }` does not type-check where the node entry loads):
// dist/<entry>/index.d.ts for each runtime, and dist/index.d.ts, the portable surface (no
// platform factory) for TypeScript setups that match no runtime condition (package.json
// `exports`). They share one chunk (dist/types/), so `declare module 'iii-isomorphic'`
// augments the same `IIIFunctions` whichever file a program resolves. The CommonJS node entry
// gets a self-contained dist/node/index.d.cts: a .d.cts importing an ES chunk would be read as
// CommonJS requiring ESM.
const declarationInputs = {
  index: 'platform/web/types.ts',
  ...Object.fromEntries(Object.keys(entries).map((name) => [`${name}/index`, `platform/${name}/index.ts`])),
};
// The comments cite the wire protocol by section (`§3.7`): the package ships it as docs/protocol.md.
const typesBanner = '/* iii-isomorphic. A `§N.M` in a comment is a section of docs/protocol.md, shipped in this package. */';
const dtsPlugin = () => dts({ tsconfig: path.join(root, 'tsconfig.json'), compilerOptions: { noEmit: false } });
const declarations = [
  {
    input: declarationInputs,
    external: external([...dependencies, ...nodeOnly], true),
    plugins: [runtimeNeutralCore(), dtsPlugin()],
    output: { dir: 'dist', entryFileNames: '[name].d.ts', chunkFileNames: 'types/[name]-[hash].d.ts', format: 'es', banner: typesBanner },
  },
  {
    input: 'platform/node/index.ts',
    external: external([...dependencies, ...nodeOnly], true),
    plugins: [runtimeNeutralCore(), dtsPlugin()],
    output: { file: 'dist/node/index.d.cts', format: 'es', banner: typesBanner },
  },
];

// `iii-isomorphic/testing` (Node only): the reference engine of test/engine, and the package
// binary of cli/. Neither is imported by any runtime entry (scripts/size.mjs checks it). The
// binary's commands import the engine from the testing build next to them (one copy of it),
// and are loaded one at a time, on demand.
const testingExternal = (id) => id === 'ws' || id.startsWith('ws/') || id.startsWith('node:');
const engineSource = path.join(root, 'test/engine/index.ts');
const nodeEntrySource = path.join(root, 'platform/node/index.ts');
function testingTs() {
  return typescript({
    tsconfig: path.join(root, 'tsconfig.json'),
    // cli/types.ts prints addresses through the core's redactUrl (a leaf module, bundled in).
    include: ['test/engine/**/*.ts', 'cli/**/*.ts', 'src/redact.ts'],
    exclude: ['test/engine/tests/**', '**/*.test.ts'],
    compilerOptions: { noEmit: false, declaration: false, declarationMap: false, sourceMap: false, outDir: undefined },
    noEmitOnError: true,
  });
}
// What a browser, workerd or any non-Node bundle gets for `iii-isomorphic/testing`: the same names,
// failing with a clear error when called (not at import: the package is side-effect free, so a
// bundler would drop a module that only throws).
const notNode = `const message = 'iii-isomorphic/testing runs in Node only: it starts WebSocket servers. Import it in your Node test runner (vitest, node:test, jest), not in code bundled for a browser or an edge runtime.';
export function startEngine() { return Promise.reject(new Error(message)); }
export function validateEngineOptions() { throw new Error(message); }
export const DEFAULT_ENGINE_PORT = 49134;
`;
const testing = {
  input: 'test/engine/index.ts',
  external: testingExternal,
  treeshake: { moduleSideEffects: false },
  plugins: [
    testingTs(),
    {
      name: 'iii-testing-not-node',
      generateBundle() {
        this.emitFile({ type: 'asset', fileName: 'not-node.js', source: notNode });
      },
    },
  ],
  output: [
    { file: 'dist/testing/index.js', format: 'es', banner: '/* iii-isomorphic/testing: generated by rollup from test/engine/; do not edit. */' },
    { file: 'dist/testing/index.cjs', format: 'cjs', exports: 'named', banner: '/* iii-isomorphic/testing: generated by rollup from test/engine/; do not edit. */' },
  ],
};
const cli = {
  input: 'cli/main.ts',
  external: testingExternal,
  plugins: [
    {
      name: 'iii-cli-uses-the-testing-build',
      resolveId(source, importer) {
        if (!importer) return null;
        const target = path.resolve(path.dirname(importer), source.replace(/\.js$/, '.ts'));
        if (target === engineSource) return { id: '../testing/index.js', external: 'absolute' };
        // `types` runs the SDK itself: the built node entry beside it, not a second copy.
        if (target === nodeEntrySource) return { id: '../node/index.js', external: 'absolute' };
        return null;
      },
    },
    testingTs(),
  ],
  output: { dir: 'dist/cli', entryFileNames: '[name].js', chunkFileNames: '[name].js', format: 'es' },
};
// The CJS copy of the testing declarations is written beside them, like the main entry's.
const testingDeclarations = {
  input: 'test/engine/index.ts',
  external: testingExternal,
  plugins: [
    dts({ tsconfig: path.join(root, 'tsconfig.json'), compilerOptions: { noEmit: false } }),
    {
      name: 'iii-testing-dcts-copy',
      generateBundle(_options, bundle) {
        const main = bundle['index.d.ts'];
        if (main && main.type === 'chunk') this.emitFile({ type: 'asset', fileName: 'index.d.cts', source: main.code });
      },
    },
  ],
  output: { dir: 'dist/testing', entryFileNames: 'index.d.ts', format: 'es' },
};

// III_BUILD_ENTRIES=browser,deno builds a subset (a quicker loop while editing one platform);
// `testing` names the reference engine, its declarations and the binary.
const only = process.env.III_BUILD_ENTRIES?.split(',').filter(Boolean);
export default only
  ? [
      ...builds.filter((b) => only.some((n) => b.input === `platform/${n}/index.ts`)),
      ...(only.includes('testing') ? [testing, testingDeclarations, cli] : []),
    ]
  : [...builds, ...declarations, testing, testingDeclarations, cli];
