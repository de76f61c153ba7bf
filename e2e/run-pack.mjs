#!/usr/bin/env node
// Packed-tarball check: the README's install commands, followed literally in a fresh project.
// The repository is copied as a clone has it (tracked and unignored files, no dist/), its
// node_modules linked in place of `npm ci`, and only the browser entry built (a partial dist/,
// as the demo's build or `III_BUILD_ENTRIES` leaves it). Then, as the README says, `npm pack`
// in the copy (its `prepack` must build the whole dist/) and `npm install <tarball>` in a new
// project beside it. The tarball must hold every file package.json names and every file those
// import (scripts/dist.mjs). The project then imports the bare specifier `iii-isomorphic`
// under each runtime's export condition — node (ESM and CJS), deno, bun, browser (a Vite build
// in Chromium) and workerd (miniflare, bundled by esbuild with the `workerd` condition, as
// wrangler does) — and connects to a reference engine (or the external one of
// III_TEST_ENGINE_URL). Each probe checks that the condition
// picked its own entry (the entry's platform factory is exported) and that a register + call
// round trip works. A path install (`npm install ../iii-isomorphic`) is checked in Node too.
// Then the testing export, as a user gets it: `iii-isomorphic/testing` imported (ESM and CJS)
// without work at module scope and closed without leftovers, refused with a clear error in a
// browser bundle, the documented vitest examples (examples/*/*.test.ts) run and type-checked in the
// fresh project, and `npx iii-isomorphic engine` started from the installed binary.
//
// Usage: npm run build && node e2e/run-pack.mjs   (last line: RESULT {...}; non-zero exit on failure)
// The test tools (vitest, vite) are installed with `--offline` first (from the npm cache) and
// `--prefer-offline` as the fallback (the registry is reachable here).
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
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

import { missingFiles } from '../scripts/dist.mjs';

const run = promisify(execFile);
/** The Vite of the browser app (what `npm create vite` gave on the day this was written). */
const VITE_VERSION = '8.4.0';
const reporter = createReporter('pack');
// The copy's `npm pack` builds the whole package (a minute or two on a busy 2-core machine).
deadline(reporter, 540_000);

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

async function timed(name, fn, ms = 60_000) {
  const start = Date.now();
  try {
    const detail = await within(ms, name, fn());
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

/** The README's lines, which this runner follows; it fails when README.md no longer says them. */
const pkg = JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8'));
const tarballName = `${pkg.name}-${pkg.version}.tgz`;
const readmeInstall = ['cd iii-isomorphic', 'npm pack', 'cd ../my-app', `npm install ../iii-isomorphic/${tarballName}`];

let tmp;
let engine;
try {
  for (const e of ['node', 'browser', 'deno', 'workers', 'bun', 'testing']) await requireBuilt(e);
  tmp = await mkdtemp(path.join(os.tmpdir(), 'iii-pack-'));
  const clone = path.join(tmp, 'iii-isomorphic');
  const app = path.join(tmp, 'my-app');
  await mkdir(app);

  await timed('README.md gives the install commands this runner follows', async () => {
    const readme = await readFile(path.join(repoRoot, 'README.md'), 'utf8');
    const block = /## Install[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const lines = block.split('\n').map((l) => l.replace(/\s+#.*$/, '').trim()).filter(Boolean);
    const absent = readmeInstall.filter((line) => !lines.some((l) => l === line || l.split(' && ').includes(line)));
    if (absent.length) throw new Error(`the README's install block lacks: ${absent.join(' | ')}`);
    return lines.join(' ; ');
  });

  await timed('a clone with a partial build: dist/ lacks most of the package', async () => {
    // What `git clone` gives: the tracked files and the new ones not ignored (no dist/, no .tmp/).
    const { stdout } = await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: repoRoot, maxBuffer: 64 * 1024 * 1024 });
    let copied = 0;
    for (const file of new Set(stdout.split('\0').filter(Boolean))) {
      const from = path.join(repoRoot, file);
      if (!existsSync(from)) continue; // deleted in the working tree
      await mkdir(path.dirname(path.join(clone, file)), { recursive: true });
      await copyFile(from, path.join(clone, file));
      copied++;
    }
    // In place of `npm ci`, which would download the whole tool chain again.
    await symlink(path.join(repoRoot, 'node_modules'), path.join(clone, 'node_modules'), 'dir');
    await run(path.join(clone, 'node_modules/.bin/rollup'), ['-c', 'rollup.config.mjs'], { cwd: clone, env: { ...process.env, III_BUILD_ENTRIES: 'browser' }, timeout: 180_000 });
    const missing = missingFiles(clone);
    if (missing.length === 0) throw new Error('the partial build left nothing missing: this check would prove nothing');
    return `${copied} files; after III_BUILD_ENTRIES=browser, ${missing.length} files of the package are missing`;
  }, 200_000);

  await timed('npm pack (README) after the partial build: prepack builds the whole dist/', async () => {
    await run('npm', ['pack', '--silent'], { cwd: clone, timeout: 400_000 });
    if (!existsSync(path.join(clone, tarballName))) throw new Error(`no ${tarballName} in the clone`);
    const unpacked = path.join(tmp, 'unpacked');
    await mkdir(unpacked);
    await run('tar', ['-xzf', path.join(clone, tarballName), '-C', unpacked]);
    const missing = missingFiles(path.join(unpacked, 'package'));
    if (missing.length) throw new Error(`the tarball lacks: ${missing.join(', ')}`);
    const { stdout } = await run('tar', ['-tzf', path.join(clone, tarballName)]);
    const files = stdout.trim().split('\n');
    for (const f of ['LICENSE', 'README.md', 'CHANGELOG.md', 'docs/protocol.md']) {
      if (!files.includes(`package/${f}`)) throw new Error(`the tarball lacks ${f}`);
    }
    return `${tarballName}: ${files.length} files, every file package.json names and their imports, LICENSE, CHANGELOG.md, docs/protocol.md`;
  }, 420_000);

  await writeFile(path.join(app, 'package.json'), JSON.stringify({ name: 'my-app', private: true, type: 'module' }, null, 2));
  await writeFile(path.join(app, 'probe.mjs'), probeSource);
  await timed(`npm install ../iii-isomorphic/${tarballName} (README, in a new project)`, async () => {
    await run('npm', ['install', `../iii-isomorphic/${tarballName}`, '--no-audit', '--no-fund'], { cwd: app, timeout: 120_000 });
    const installed = JSON.parse(await readFile(path.join(app, 'node_modules/iii-isomorphic/package.json'), 'utf8'));
    return `iii-isomorphic ${installed.version} installed`;
  }, 130_000);

  const vitestVersion = pkg.devDependencies.vitest;
  await timed(`test tools: vitest@${vitestVersion}, vite@${VITE_VERSION}`, async () => {
    // vitest for the documented examples (examples/testing, examples/auth), the version this
    // repository uses; vite for the browser app.
    const base = ['install', '--save-dev', `vitest@${vitestVersion}`, `vite@${VITE_VERSION}`, '--no-audit', '--no-fund', '--ignore-scripts'];
    try {
      await run('npm', [...base, '--offline'], { cwd: app, timeout: 90_000 });
      return 'offline, from the npm cache';
    } catch {
      await run('npm', [...base, '--prefer-offline'], { cwd: app, timeout: 120_000 });
      return 'prefer-offline (some fetched from the registry)';
    }
  }, 220_000);

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

  // The README's other way: a path install of the clone (npm links it and runs its `prepare`).
  await timed('npm install ../iii-isomorphic (a path install): node import and require', async () => {
    const pathApp = path.join(tmp, 'path-app');
    await mkdir(pathApp);
    await writeFile(path.join(pathApp, 'package.json'), JSON.stringify({ name: 'path-app', private: true, type: 'module' }, null, 2));
    await run('npm', ['install', '../iii-isomorphic', '--no-audit', '--no-fund'], { cwd: pathApp, timeout: 120_000 });
    await writeFile(path.join(pathApp, 'probe.mjs'), probeSource);
    await copyFile(path.join(app, 'node-esm.mjs'), path.join(pathApp, 'node-esm.mjs'));
    await copyFile(path.join(app, 'node-cjs.cjs'), path.join(pathApp, 'node-cjs.cjs'));
    const esm = await child(process.execPath, ['node-esm.mjs', url], pathApp);
    const cjs = await child(process.execPath, ['node-cjs.cjs', url], pathApp);
    return `import: ${esm}; require: ${cjs}`;
  }, 150_000);

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

  // browser (`browser` condition): a Vite app, as `npm create vite` makes one, built and served.
  await writeFile(
    path.join(app, 'main.js'),
    `import * as sdk from 'iii-isomorphic';\nimport { probe } from './probe.mjs';\n` +
      `window.result = probe(sdk, new URL(location.href).searchParams.get('engine'), 'createBrowserPlatform', 'browser').then((m) => 'OK ' + m, (e) => 'ERR ' + e.message);\n`,
  );
  await writeFile(path.join(app, 'index.html'), '<!doctype html>\n<html><body><script type="module" src="/main.js"></script></body></html>\n');
  await timed('browser: a Vite build, in Chromium', async () => {
    await run(process.execPath, [path.join(app, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'error'], { cwd: app, timeout: 90_000 });
    const built = path.join(app, 'dist');
    const server = http.createServer(async (req, res) => {
      const file = path.join(built, new URL(req.url ?? '/', 'http://x').pathname.replace(/^\/$/, '/index.html'));
      if (!file.startsWith(built) || !existsSync(file)) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': file.endsWith('.js') ? 'text/javascript' : 'text/html' }).end(await readFile(file));
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
      return `vite ${VITE_VERSION}: ${verdict.slice(3)}`;
    } finally {
      await browser.close();
      server.close();
    }
  }, 120_000);

  const esbuild = await import('esbuild');

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

  // The documented examples (docs/testing.md, auth.md, errors.md, guide.md), run by vitest and type-checked.
  // Every example test of examples/ (vitest.config.ts runs the same files against the sources).
  for (const dir of ['testing', 'auth', 'errors', 'triggers']) {
    for (const f of (await readdir(path.join(repoRoot, 'examples', dir))).filter((n) => n.endsWith('.test.ts'))) {
      await copyFile(path.join(repoRoot, 'examples', dir, f), path.join(app, f));
    }
  }
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
