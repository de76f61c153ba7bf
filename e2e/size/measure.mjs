// The honest size of this SDK: the JavaScript three real pages download, measured in Chromium.
//
// The pages (caller.js, worker.js, channel.js beside this file) import `iii-isomorphic` from the
// packed tarball (`npm pack`, extracted as a user's node_modules would hold it) and are bundled
// by esbuild as an app would bundle them (bundle, code splitting, minify, browser conditions).
// A loopback server serves every file gzip-encoded (zlib's default level, what a compression
// middleware does), and Chromium opens each page in a fresh context against a reference engine
// and a Node backend, until the page shows its result: every chunk it fetched on the way,
// including those loaded on first use, is counted, by the bytes that crossed the wire (the
// encoded body, headers not included).
//
// The same pages are also bundled from the sources (platform/browser/index.ts) and loaded the
// same way, for the per-module table: the bundler's metafile says how many minified bytes each
// module puts into each chunk, and the chunks a page fetched say which count.
import { execFile } from 'node:child_process';
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { importTs, repoRoot, within } from '../../test/runtimes/common.mjs';

const run = promisify(execFile);
const here = path.join(repoRoot, 'e2e/size');

export const PAGES = [
  { name: 'caller', label: '(a) a caller that triggers one function', target: 9 * 1024, expect: 'done: hello' },
  { name: 'worker', label: '(b) a worker that also registers one function', target: 10 * 1024, expect: 'done: HELLO' },
  { name: 'channel', label: '(c) a worker that also reads a channel into the DOM', target: 14 * 1024, expect: 'done: HELLO line 1,line 2,line 3' },
];

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--headless'];

/** `npm pack`, extracted where an app's node_modules would hold it. */
async function packInto(app) {
  const packDir = path.join(app, '..', 'pack');
  await mkdir(packDir, { recursive: true });
  await run('npm', ['pack', '--pack-destination', packDir, '--silent'], { cwd: repoRoot, timeout: 60_000 });
  const tgz = (await readdir(packDir)).find((f) => f.endsWith('.tgz'));
  if (!tgz) throw new Error('npm pack produced no tarball');
  const pkg = path.join(app, 'node_modules', 'iii-isomorphic');
  await mkdir(pkg, { recursive: true });
  await run('tar', ['-xzf', path.join(packDir, tgz), '-C', pkg, '--strip-components=1'], { timeout: 30_000 });
  return pkg;
}

/**
 * Bundles one page as an app would (each page is its own app, built alone); `alias` points
 * `iii-isomorphic` at the sources. Returns the metafile, its paths made absolute.
 */
async function bundle(app, page, outdir, alias) {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [path.join(app, `${page.name}.js`)],
    absWorkingDir: app,
    bundle: true,
    splitting: true,
    format: 'esm',
    minify: true,
    platform: 'browser',
    target: 'es2022',
    outdir,
    entryNames: '[name]',
    chunkNames: 'chunks/[name]-[hash]',
    metafile: true,
    logLevel: 'error',
    ...(alias ? { alias: { 'iii-isomorphic': alias } } : {}),
  });
  const html = `<!doctype html><meta charset="utf-8"><title>${page.name}</title><p id="out">loading</p><script type="module" src="./${page.name}.js"></script>`;
  await writeFile(path.join(outdir, `${page.name}.html`), html);
  const abs = (p) => path.resolve(app, p);
  return Object.fromEntries(
    Object.entries(result.metafile.outputs).map(([output, meta]) => [
      abs(output),
      Object.fromEntries(Object.entries(meta.inputs).map(([input, { bytesInOutput }]) => [abs(input), bytesInOutput])),
    ]),
  );
}

/** Serves `root` on 127.0.0.1, every file gzip-encoded when the client accepts it. */
function serve(root) {
  const server = http.createServer(async (req, res) => {
    const file = path.join(root, decodeURIComponent(new URL(req.url, 'http://x').pathname));
    if (!file.startsWith(root)) return res.writeHead(403).end();
    let body;
    try {
      body = await readFile(file);
    } catch {
      return res.writeHead(404).end();
    }
    const type = file.endsWith('.html') ? 'text/html; charset=utf-8' : 'text/javascript; charset=utf-8';
    const headers = { 'content-type': type, 'cache-control': 'no-store' };
    if (/\bgzip\b/.test(req.headers['accept-encoding'] ?? '')) {
      body = gzipSync(body);
      headers['content-encoding'] = 'gzip';
    }
    res.writeHead(200, { ...headers, 'content-length': body.length }).end(body);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** The backend the pages talk to: a Node worker of the packed package. */
async function startBackend(pkg, engineUrl) {
  const sdk = await import(path.join(pkg, 'dist/node/index.js'));
  const iii = sdk.registerWorker(engineUrl, { workerName: 'size-backend', logLevel: 'error' });
  iii.registerFunction('size::echo', (data) => ({ text: data.text }));
  iii.registerFunction('size::call-page', (data) => iii.trigger({ function_id: data.function_id, payload: { text: data.text }, timeoutMs: 10_000 }));
  iii.registerFunction('size::stream', async (data) => {
    const writer = data.out.writable.getWriter();
    for (let i = 1; i <= data.lines; i++) await writer.write(new TextEncoder().encode(`line ${i}\n`));
    await writer.close();
    return null;
  });
  await within(10_000, 'backend ready', iii.ready());
  return iii;
}

/** Opens one page in a fresh context; returns the JavaScript it fetched, with encoded sizes. */
async function load(browser, url, page) {
  const context = await browser.newContext();
  try {
    const tab = await context.newPage();
    const sizes = [];
    tab.on('requestfinished', (request) => {
      if (new URL(request.url()).pathname.endsWith('.js')) {
        sizes.push(request.sizes().then((s) => ({ file: new URL(request.url()).pathname, bytes: s.responseBodySize })));
      }
    });
    const errors = [];
    tab.on('pageerror', (e) => errors.push(e.message));
    await tab.goto(url, { timeout: 15_000 });
    await tab.waitForFunction(() => /^(done|error)/.test(document.getElementById('out')?.textContent ?? ''), undefined, { timeout: 20_000 });
    const text = await tab.evaluate(() => document.getElementById('out').textContent);
    if (text !== page.expect) throw new Error(`page ${page.name} showed "${text}" instead of "${page.expect}"${errors.length ? ` (${errors.join('; ')})` : ''}`);
    const files = await Promise.all(sizes);
    return { files, bytes: files.reduce((n, f) => n + f.bytes, 0) };
  } finally {
    await context.close();
  }
}

/** Minified bytes per module in the chunks a page fetched (`outputs` from `bundle`, `root` what is served). */
function modulesOf(outputs, root, fetched) {
  const rows = new Map();
  const nm = `${path.sep}node_modules${path.sep}`;
  for (const [output, inputs] of Object.entries(outputs)) {
    const served = '/' + path.relative(root, output).split(path.sep).join('/');
    if (!fetched.includes(served)) continue;
    for (const [input, bytes] of Object.entries(inputs)) {
      if (bytes === 0) continue;
      const name = input.includes(nm)
        ? input.split(nm).pop().split(path.sep).slice(0, input.split(nm).pop().startsWith('@') ? 2 : 1).join('/')
        : input.startsWith(repoRoot + path.sep + '.tmp')
          ? `(the page) ${path.basename(input)}`
          : path.relative(repoRoot, input);
      rows.set(name, (rows.get(name) ?? 0) + bytes);
    }
  }
  return rows;
}

/**
 * Builds, serves and loads the three pages; returns per page the bytes fetched from the packed
 * build (the figure) and from the source build, and the source build's module table.
 */
export async function measurePages({ log = () => {} } = {}) {
  const tmp = path.join(repoRoot, '.tmp', 'size');
  await rm(tmp, { recursive: true, force: true });
  const app = path.join(tmp, 'app');
  await mkdir(app, { recursive: true });
  for (const p of PAGES) await copyFile(path.join(here, `${p.name}.js`), path.join(app, `${p.name}.js`));
  log('size: npm pack');
  const pkg = await packInto(app);
  log('size: bundling each page (esbuild)');
  const out = path.join(tmp, 'out');
  const sourceOutputs = {};
  for (const page of PAGES) {
    await bundle(app, page, path.join(out, 'packed', page.name));
    sourceOutputs[page.name] = await bundle(app, page, path.join(out, 'source', page.name), path.join(repoRoot, 'platform/browser/index.ts'));
  }
  const cleanup = [];
  try {
    const { startEngine } = await importTs('test/engine/index.ts');
    const engine = await startEngine({ host: '127.0.0.1', port: 0, log: () => undefined });
    cleanup.push(() => engine.close());
    const backend = await startBackend(pkg, engine.url);
    cleanup.push(() => backend.shutdown());
    const server = await serve(out);
    cleanup.push(() => new Promise((r) => server.close(r)));
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, timeout: 30_000 });
    cleanup.push(() => browser.close());
    const base = `http://127.0.0.1:${server.address().port}`;
    const results = [];
    for (const page of PAGES) {
      log(`size: loading page ${page.name}`);
      const url = (build) => `${base}/${build}/${page.name}/${page.name}.html?engine=${encodeURIComponent(engine.url)}`;
      const packed = await load(browser, url('packed'), page);
      const source = await load(browser, url('source'), page);
      const modules = modulesOf(sourceOutputs[page.name], out, source.files.map((f) => f.file));
      results.push({ ...page, bytes: packed.bytes, files: packed.files, sourceBytes: source.bytes, modules });
    }
    return results;
  } finally {
    for (const fn of cleanup.reverse()) await Promise.resolve(fn()).catch(() => undefined);
  }
}
