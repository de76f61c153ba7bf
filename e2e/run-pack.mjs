#!/usr/bin/env node
// Packed-tarball check (PRACTICES.md item 13): `npm pack`, install the tarball into a fresh
// temp project, then import the bare specifier `iii-isomorphic` under each runtime's export
// condition — node (ESM and CJS), deno, bun, browser (Chromium, bundled by esbuild) and workerd
// (miniflare, bundled by esbuild with the `workerd` condition, as wrangler does) — and connect to
// a reference engine (or the external one of III_TEST_ENGINE_URL). Each probe checks that the condition picked its own entry (the entry's
// platform factory is exported) and that a register + call round trip works.
// Then the testing export, as a user gets it: `iii-isomorphic/testing` imported (ESM and CJS)
// without work at module scope and closed without leftovers, refused with a clear error in a
// browser bundle, the documented vitest examples (examples/testing) run and type-checked in the
// fresh project, and `npx iii-isomorphic engine` started from the installed binary.
//
// Usage: npm run build && node e2e/run-pack.mjs   (last line: RESULT {...}; non-zero exit on failure)
// The install tries `--offline` first (dependencies from the npm cache) and falls back to
// `--prefer-offline` (the registry is reachable here).
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
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
  for (const e of ['node', 'browser', 'deno', 'workers', 'bun', 'testing']) await requireBuilt(e);
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

  const vitestVersion = JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8')).devDependencies.vitest;
  await timed('npm install <tarball> vitest', async () => {
    // vitest for the documented example (examples/testing), the version this repository uses.
    const base = ['install', tgz, `vitest@${vitestVersion}`, '--no-audit', '--no-fund', '--no-package-lock', '--ignore-scripts'];
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

  // ------------------------------------------------------------------ iii-isomorphic/testing
  // Node, ESM: nothing happens at import; an engine starts, serves a round trip through the SDK
  // entry, and close() leaves no socket, server or timer behind.
  const handlesSource = `const handles = () => process.getActiveResourcesInfo().filter((r) => /TCP|Timeout|Immediate/.test(r)).length;\n`;
  await writeFile(
    path.join(app, 'testing-esm.mjs'),
    handlesSource +
      `const before = handles();\n` +
      `const testing = await import('iii-isomorphic/testing');\n` +
      `if (handles() !== before) { console.log('ERR the import opened a handle'); process.exit(0); }\n` +
      `const sdk = await import('iii-isomorphic');\n` +
      `const { probe } = await import('./probe.mjs');\n` +
      `try {\n` +
      `  const engine = await testing.startEngine();\n` +
      `  const m = await probe(sdk, engine.url, 'createNodePlatform', 'testing-esm');\n` +
      `  await engine.close();\n` +
      `  for (let i = 0; i < 40 && handles() > before; i++) await new Promise((r) => setTimeout(r, 50));\n` +
      `  console.log(handles() > before ? 'ERR close() left ' + process.getActiveResourcesInfo().join(',') : 'OK started on ' + engine.url + ', ' + m + ', closed without leftovers');\n` +
      `} catch (e) { console.log('ERR ' + e.message); }\n`,
  );
  await timed('testing: import (ESM), round trip, close()', () => child(process.execPath, ['testing-esm.mjs'], app));

  await writeFile(
    path.join(app, 'testing-cjs.cjs'),
    `const path = require.resolve('iii-isomorphic/testing');\n` +
      `const { startEngine } = require('iii-isomorphic/testing');\n` +
      `if (!path.endsWith('testing/index.cjs')) { console.log('ERR require resolved ' + path); process.exit(0); }\n` +
      `startEngine().then(async (e) => { const url = e.url; await e.close(); console.log('OK ' + path.split('node_modules/')[1] + ' started and closed ' + url); }, (e) => console.log('ERR ' + e.message));\n`,
  );
  await timed('testing: require (CJS)', () => child(process.execPath, ['testing-cjs.cjs'], app));

  // A browser bundle gets the Node-only error instead of a WebSocket server.
  await writeFile(
    path.join(app, 'testing-browser.mjs'),
    `import { startEngine } from 'iii-isomorphic/testing';\nexport const probe = () => startEngine().then(() => 'started', (e) => e.message);\n`,
  );
  await timed('testing: a browser bundle gets the Node-only error', async () => {
    const out = await esbuild.build({ entryPoints: [path.join(app, 'testing-browser.mjs')], absWorkingDir: app, bundle: true, format: 'esm', platform: 'browser', write: false, logLevel: 'error' });
    const text = out.outputFiles[0].text;
    if (text.includes('WebSocketServer') || /from\s*["']node:/.test(text)) throw new Error('the browser bundle holds the engine');
    const message = await (await import(`data:text/javascript,${encodeURIComponent(text)}`)).probe();
    if (!message.startsWith('iii-isomorphic/testing runs in Node only')) throw new Error(`startEngine() in a browser bundle: ${message}`);
    return `startEngine() rejects: "${message.slice(0, 60)}…"`;
  });

  // The documented example (docs/testing.md), run by the project's own vitest and type-checked.
  for (const f of ['worker.test.ts', 'rbac.test.ts']) await copyFile(path.join(repoRoot, 'examples/testing', f), path.join(app, f));
  await timed('testing: the documented vitest examples pass', async () => {
    const lines = [];
    const { done } = spawnBounded(process.execPath, [path.join(app, 'node_modules/vitest/vitest.mjs'), 'run', '--root', app], {
      cwd: app,
      timeoutMs: 90_000,
      onLine: (l) => lines.push(l),
      onStderr: (l) => lines.push(l),
    });
    const exit = await done;
    const plain = lines.map((l) => l.replace(/\x1b\[[0-9;]*m/g, ''));
    const tests = plain.find((l) => /^\s*Tests\s/.test(l))?.trim();
    if (exit.code !== 0) throw new Error(`vitest exited with ${exit.code}: ${plain.slice(-15).join(' | ')}`);
    return `vitest ${vitestVersion}: ${tests}`;
  });
  await writeFile(
    path.join(app, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'ESNext', moduleResolution: 'Bundler', strict: true, noEmit: true, skipLibCheck: true, lib: ['ES2022', 'DOM'] }, include: ['*.test.ts'] }),
  );
  await timed('testing: the examples type-check against the published types', async () => {
    await run(process.execPath, [path.join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', path.join(app, 'tsconfig.json')], { cwd: app, timeout: 60_000 });
    return 'tsc --noEmit: no error';
  });

  // The package binary, found by npx in the project's node_modules/.bin.
  await timed('npx iii-isomorphic engine prints its ready line, serves, stops on SIGTERM', async () => {
    let ready;
    const { child: npx, done } = spawnBounded('npx', ['--no-install', 'iii-isomorphic', 'engine', '--port', '0'], {
      cwd: app,
      timeoutMs: 30_000,
      onLine: (l) => {
        const m = /^iii reference engine listening on (ws:\/\/127\.0\.0\.1:\d+)$/.exec(l.trim());
        if (m) ready = m[1];
      },
      onStderr: () => undefined,
    });
    const deadlineAt = Date.now() + 20_000;
    while (!ready && Date.now() < deadlineAt && npx.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    if (!ready) throw new Error('no ready line within 20 s');
    const { default: WebSocket } = await import('ws');
    const first = await new Promise((resolve, reject) => {
      const ws = new WebSocket(ready);
      ws.once('message', (d) => {
        ws.terminate();
        resolve(JSON.parse(String(d)).type);
      });
      ws.once('error', reject);
    });
    if (first !== 'workerregistered') throw new Error(`first frame ${first}`);
    // The engine itself (npx runs it through a shell, which does not pass a signal on).
    const tree = (await run('ps', ['-eo', 'pid=,ppid=,args='])).stdout.split('\n').map((l) => l.trim().split(/\s+/));
    const below = (pid) => tree.filter(([, ppid]) => ppid === String(pid)).flatMap(([p]) => [Number(p), ...below(p)]);
    const argsOf = (pid) => tree.find(([q]) => q === String(pid))?.slice(2).join(' ') ?? '';
    const enginePid = below(npx.pid).findLast((p) => /^\S*node\s.*iii-isomorphic engine/.test(argsOf(p)));
    if (!enginePid) throw new Error('no engine process under npx');
    process.kill(enginePid, 'SIGTERM');
    const exit = await done;
    if (exit.code !== 0) throw new Error(`exit ${exit.code ?? exit.signal}`);
    return `${ready}: workerregistered, exit 0`;
  });

  // `types` from the installed binary: it loads the installed SDK (dist/node beside dist/cli) and
  // writes a declaration of the engine's functions, with a credential in the address masked.
  await timed('npx iii-isomorphic types writes the declaration of a running engine', async () => {
    // A worker of the repository's build serves one function with formats, for the command to find.
    const { registerWorker } = await import(path.join(repoRoot, 'dist/node/index.js'));
    const server = registerWorker(url, { workerName: 'pack-types', logLevel: 'silent' });
    try {
      const format = { type: 'object', properties: { sku: { type: 'string' } }, required: ['sku'] };
      server.registerFunction('pack::stock', () => ({ count: 1 }), { request_format: format });
      await server.ready();
      const { stdout, stderr } = await run('npx', ['--no-install', 'iii-isomorphic', 'types', '--url', `${url}?token=pack-secret`], { cwd: app, timeout: 30_000 });
      if (!stdout.includes("declare module 'iii-isomorphic'") || !/"pack::stock": \{\s*input: \{\s*sku: string;/.test(stdout)) throw new Error(`no declaration of pack::stock: ${stdout.slice(0, 400)}`);
      if (`${stdout}${stderr}`.includes('pack-secret')) throw new Error('the token was printed');
      return stderr.trim();
    } finally {
      await server.shutdown();
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
