#!/usr/bin/env node
// Packed-tarball check (PRACTICES.md item 13): `npm pack`, install the tarball into a fresh
// temp project, then import the bare specifier `iii-isomorphic` under each runtime's export
// condition — node (ESM and CJS), deno, bun, browser (Chromium, bundled by esbuild) and workerd
// (miniflare, bundled by esbuild with the `workerd` condition, as wrangler does) — and connect to
// a reference engine (or the external one of III_TEST_ENGINE_URL). Each probe checks that the condition picked its own entry (the entry's
// platform factory is exported) and that a register + call round trip works.
//
// Usage: npm run build && node e2e/run-pack.mjs   (last line: RESULT {...}; non-zero exit on failure)
// The install tries `--offline` first (dependencies from the npm cache) and falls back to
// `--prefer-offline` (the registry is reachable here).
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  createReporter,
  deadline,
  importTs,
  repoRoot,
  requireBuilt,
  spawnBounded,
  within,
} from '../test/runtimes/common.mjs';

const run = promisify(execFile);
const reporter = createReporter('pack');
deadline(reporter, 300_000);

// The probe, as source text, so every runtime runs the very same code.
const probeSource = `
export async function probe(sdk, url, factory, runtime) {
  const factories = Object.keys(sdk).filter((k) => /^create\\w+Platform$/.test(k));
  if (typeof sdk[factory] !== 'function') {
    throw new Error('condition picked the wrong entry: expected ' + factory + ', got ' + factories.join(','));
  }
  const iii = sdk.registerWorker(url, { workerName: 'pack-' + runtime, logLevel: 'error', reconnect: { maxRetries: 3 } });
  try {
    await iii.ready();
    iii.registerFunction('pack::' + runtime + '::echo', (d) => ({ got: d.x, runtime }));
    const r = await iii.trigger({ function_id: 'pack::' + runtime + '::echo', payload: { x: 41 }, timeoutMs: 5000 });
    if (!r || r.got !== 41) throw new Error('unexpected result ' + JSON.stringify(r));
    return 'connected, registered and called through ' + factory;
  } finally {
    await iii.shutdown();
  }
}
`;

async function timed(name, fn) {
  const start = Date.now();
  try {
    const detail = await within(60_000, name, fn());
    reporter.record(`${name}${detail ? `: ${detail}` : ''}`, true, Date.now() - start);
  } catch (error) {
    reporter.record(name, false, Date.now() - start, error instanceof Error ? error.message : String(error));
  }
}

/** Runs a child to completion; its stdout's last line starting with OK/ERR is the verdict. */
async function child(command, args, cwd) {
  let verdict;
  const lines = [];
  const { done } = spawnBounded(command, args, {
    cwd,
    timeoutMs: 60_000,
    onLine: (l) => {
      lines.push(l);
      if (l.startsWith('OK ') || l.startsWith('ERR ')) verdict = l;
    },
    onStderr: (l) => lines.push(l),
  });
  const exit = await done;
  if (verdict?.startsWith('OK ')) return verdict.slice(3);
  throw new Error(verdict ? verdict.slice(4) : `exit ${exit.code}${exit.timedOut ? ' (timed out)' : ''}: ${lines.slice(-8).join(' | ')}`);
}

let tmp;
let engine;
try {
  for (const e of ['node', 'browser', 'deno', 'workers', 'bun']) await requireBuilt(e);
  tmp = await mkdtemp(path.join(os.tmpdir(), 'iii-pack-'));
  const packDir = path.join(tmp, 'pack');
  const app = path.join(tmp, 'app');
  await run('mkdir', ['-p', packDir, app]);

  await timed('npm pack', async () => {
    await run('npm', ['pack', '--pack-destination', packDir, '--silent'], { cwd: repoRoot, timeout: 60_000 });
    const files = await readdir(packDir);
    if (!files.some((f) => f.endsWith('.tgz'))) throw new Error('no tarball produced');
    return files.join(', ');
  });
  const tgz = path.join(packDir, (await readdir(packDir)).find((f) => f.endsWith('.tgz')));
  await writeFile(path.join(app, 'package.json'), JSON.stringify({ name: 'pack-app', private: true, type: 'module' }, null, 2));
  await writeFile(path.join(app, 'probe.mjs'), probeSource);

  await timed('npm install <tarball>', async () => {
    const base = ['install', tgz, '--no-audit', '--no-fund', '--no-package-lock', '--ignore-scripts'];
    try {
      await run('npm', [...base, '--offline'], { cwd: app, timeout: 90_000 });
      return 'offline, dependencies from the npm cache';
    } catch {
      await run('npm', [...base, '--prefer-offline'], { cwd: app, timeout: 120_000 });
      return 'prefer-offline (some dependencies fetched from the registry)';
    }
  });

  // The reference engine, or the external one of III_TEST_ENGINE_URL (test/external-engine.ts).
  const { externalEngine } = await importTs('test/external-engine.ts');
  if (externalEngine) engine = { url: externalEngine.url, close: async () => undefined };
  else {
    const { startEngine } = await importTs('test/engine/index.ts');
    engine = await startEngine({ host: '127.0.0.1', port: 0, log: () => undefined });
  }
  const url = engine.url;

  // node, ESM (`node` + `import` conditions)
  await writeFile(
    path.join(app, 'node-esm.mjs'),
    `import * as sdk from 'iii-isomorphic';\nimport { probe } from './probe.mjs';\n` +
      `probe(sdk, process.argv[2], 'createNodePlatform', 'node-esm').then((m) => console.log('OK ' + m), (e) => console.log('ERR ' + e.message));\n`,
  );
  await timed('node (import)', () => child(process.execPath, ['node-esm.mjs', url], app));

  // node, CJS (`node` + `require`); the probe is ESM, loaded with a dynamic import.
  await writeFile(
    path.join(app, 'node-cjs.cjs'),
    `const sdk = require('iii-isomorphic');\n` +
      `if (!require.resolve('iii-isomorphic').endsWith('index.cjs')) { console.log('ERR require resolved ' + require.resolve('iii-isomorphic')); process.exit(1); }\n` +
      `import('./probe.mjs').then(({ probe }) => probe(sdk, process.argv[2], 'createNodePlatform', 'node-cjs')).then((m) => console.log('OK ' + m), (e) => console.log('ERR ' + e.message));\n`,
  );
  await timed('node (require)', () => child(process.execPath, ['node-cjs.cjs', url], app));

  // deno (`deno` condition): bare specifiers through package.json + node_modules.
  await writeFile(path.join(app, 'deno.json'), JSON.stringify({ nodeModulesDir: 'manual', lock: false }));
  await writeFile(
    path.join(app, 'deno.mjs'),
    `import * as sdk from 'iii-isomorphic';\nimport { probe } from './probe.mjs';\n` +
      `try { console.log('OK ' + await probe(sdk, Deno.args[0], 'createDenoPlatform', 'deno')); } catch (e) { console.log('ERR ' + e.message); }\nDeno.exit(0);\n`,
  );
  await timed('deno', () =>
    child(path.join(repoRoot, 'node_modules/.bin/deno'), ['run', '--allow-net', '--allow-env', '--allow-read', '--no-prompt', 'deno.mjs', url], app),
  );

  // bun (`bun` condition)
  await writeFile(
    path.join(app, 'bun.mjs'),
    `import * as sdk from 'iii-isomorphic';\nimport { probe } from './probe.mjs';\n` +
      `try { console.log('OK ' + await probe(sdk, process.argv[2], 'createBunPlatform', 'bun')); } catch (e) { console.log('ERR ' + e.message); }\nprocess.exit(0);\n`,
  );
  await timed('bun', () => child(path.join(repoRoot, 'node_modules/.bin/bun'), ['run', 'bun.mjs', url], app));

  const esbuild = await import('esbuild');

  // browser (`browser` condition, resolved by a bundler)
  await writeFile(
    path.join(app, 'browser.mjs'),
    `import * as sdk from 'iii-isomorphic';\nimport { probe } from './probe.mjs';\n` +
      `window.result = probe(sdk, new URL(location.href).searchParams.get('engine'), 'createBrowserPlatform', 'browser').then((m) => 'OK ' + m, (e) => 'ERR ' + e.message);\n`,
  );
  await timed('browser (chromium)', async () => {
    const out = await esbuild.build({ entryPoints: [path.join(app, 'browser.mjs')], absWorkingDir: app, bundle: true, format: 'esm', platform: 'browser', write: false, logLevel: 'error' });
    const js = out.outputFiles[0].contents;
    const server = http.createServer((req, res) => {
      if (req.url?.startsWith('/app.js')) res.writeHead(200, { 'content-type': 'text/javascript' }).end(js);
      else if (req.url?.startsWith('/?') || req.url === '/') res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><script type="module" src="/app.js"></script>');
      else res.writeHead(404).end();
    });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--headless'],
      timeout: 30_000,
    });
    try {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${server.address().port}/?engine=${encodeURIComponent(url)}`, { timeout: 15_000 });
      await page.waitForFunction(() => window.result !== undefined, undefined, { timeout: 15_000 });
      const verdict = await page.evaluate(() => window.result);
      if (!verdict.startsWith('OK ')) throw new Error(verdict.slice(4));
      return verdict.slice(3);
    } finally {
      await browser.close();
      server.close();
    }
  });

  // workerd (`workerd` condition, bundled as wrangler does; miniflare)
  await writeFile(
    path.join(app, 'worker.mjs'),
    `import * as sdk from 'iii-isomorphic';\nimport { probe } from './probe.mjs';\n` +
      `export default { async fetch(request, env) { try { return new Response('OK ' + await probe(sdk, env.ENGINE, 'createWorkersPlatform', 'workerd')); } catch (e) { return new Response('ERR ' + e.message); } } };\n`,
  );
  await timed('workerd (miniflare)', async () => {
    const out = await esbuild.build({
      entryPoints: [path.join(app, 'worker.mjs')],
      absWorkingDir: app,
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      conditions: ['workerd', 'worker', 'browser'],
      mainFields: ['module', 'main'],
      write: false,
      logLevel: 'error',
    });
    const { Miniflare } = await import('miniflare');
    const mf = new Miniflare({ modules: true, script: out.outputFiles[0].text, compatibilityDate: '2026-04-01', bindings: { ENGINE: url } });
    try {
      const verdict = await (await mf.dispatchFetch('http://worker/')).text();
      if (!verdict.startsWith('OK ')) throw new Error(verdict.slice(4));
      return verdict.slice(3);
    } finally {
      await mf.dispose();
    }
  });
} catch (error) {
  reporter.broken(error);
} finally {
  if (engine) await within(5000, 'engine close', engine.close()).catch(() => undefined);
  if (tmp && !process.env.KEEP_PACK_DIR) await rm(tmp, { recursive: true, force: true });
  else if (tmp) console.log(`kept ${tmp}`);
  await reporter.finish();
}
