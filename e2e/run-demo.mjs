#!/usr/bin/env node
// End-to-end check of `npm run demo` in a real browser (Debian chromium through playwright-core).
//
// Starts the demo on free ports, opens the page and checks every flow: the Node worker calling
// the page's ui::* functions (toast, counter), backend results and errors (including the RBAC
// refusal), the channel-fed chart, the upload hash, the edge function, recovery after an engine
// restart, a wrong token being refused, and Ctrl-C. Screenshots go to e2e/artifacts/.
// One line per check; the last line is `RESULT {"runner":"e2e-demo","passed":N,"failed":M}`.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const artifacts = path.join(root, 'e2e', 'artifacts');
mkdirSync(artifacts, { recursive: true });

const OVERALL_TIMEOUT_MS = 180_000;
const START_TIMEOUT_MS = 120_000;

const results = [];
let demo;
let browser;
let demoLog = '';
let finished = false;

function record(name, ok, detail = '') {
  results.push({ name, ok });
  console.log(`${ok ? 'PASS' : 'FAIL'} ${name}${detail ? ` — ${detail}` : ''}`);
}

function killDemo() {
  if (demo && demo.exitCode === null && demo.signalCode === null) {
    try {
      process.kill(-demo.pid, 'SIGKILL');
    } catch {}
  }
}

async function finish(extraFailure) {
  if (finished) return;
  finished = true;
  if (extraFailure) record(extraFailure.name, false, extraFailure.detail);
  await Promise.race([browser?.close().catch(() => {}), new Promise((r) => setTimeout(r, 5000))]);
  killDemo();
  writeFileSync(path.join(artifacts, 'demo.log'), demoLog);
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  console.log(`RESULT ${JSON.stringify({ runner: 'e2e-demo', passed, failed })}`);
  process.exit(failed > 0 ? 1 : 0);
}

const overall = setTimeout(() => {
  void finish({ name: 'overall time bound', detail: `the run exceeded ${OVERALL_TIMEOUT_MS / 1000}s; everything was killed` });
}, OVERALL_TIMEOUT_MS);
overall.unref();
process.on('SIGINT', () => void finish({ name: 'interrupted', detail: 'SIGINT' }));
process.on('SIGTERM', () => void finish({ name: 'interrupted', detail: 'SIGTERM' }));

/** Runs one check; a thrown error or a timeout fails it without stopping the others. */
async function check(name, fn) {
  try {
    const detail = await fn();
    record(name, true, typeof detail === 'string' ? detail : '');
  } catch (error) {
    record(name, false, String(error?.message ?? error).split('\n')[0]);
  }
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

async function shot(page, name) {
  try {
    await page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true, timeout: 10_000 });
  } catch (error) {
    console.log(`  (screenshot ${name} failed: ${error.message.split('\n')[0]})`);
  }
}

function startDemo() {
  // What `npm run demo` runs, without npm in between (so the signal test reaches the demo itself).
  demo = spawn(process.execPath, ['--import', 'tsx', 'demo/main.ts'], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DEMO_PORT: '0', DEMO_ENGINE_PORT: '0', DEMO_RBAC_PORT: '0', DEMO_EDGE_PORT: '0', III_URL: '' },
  });
  demo.stdout.setEncoding('utf8');
  demo.stderr.setEncoding('utf8');
  demo.stdout.on('data', (d) => (demoLog += d));
  demo.stderr.on('data', (d) => (demoLog += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no page URL within ${START_TIMEOUT_MS / 1000}s`)), START_TIMEOUT_MS);
    const onData = () => {
      const page = /page:\s+(http\S+)/.exec(demoLog)?.[1];
      // The edge line is printed before the page line; "(not running)" fails the edge check later.
      const edge = /edge:\s+(http\S+)/.exec(demoLog)?.[1] ?? 'http://127.0.0.1:9/edge-not-running';
      if (page && /edge:/.test(demoLog)) {
        clearTimeout(timer);
        demo.stdout.off('data', onData);
        resolve({ pageUrl: page, edgeUrl: edge });
      }
    };
    demo.stdout.on('data', onData);
    demo.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the demo exited early (code ${code}): ${demoLog.trim().split('\n').slice(-3).join(' | ')}`));
    });
  });
}

const state = (page) => page.evaluate(() => {
  const d = window.__demo;
  return {
    badge: document.getElementById('badge')?.dataset.state,
    counter: d.counter,
    received: d.chart?.received ?? 0,
    values: (d.chart?.samples ?? []).slice(-20).map((s) => s.value),
    states: d.states.slice(),
    toasts: d.toasts.slice(),
    upload: d.upload,
  };
});

async function logEntry(page, fn, timeout = 10_000) {
  const selector = `#log li[data-fn="${fn}"]:not(.pending)`;
  await page.waitForSelector(selector, { timeout });
  return page.$eval(selector, (li) => ({
    outcome: li.dataset.outcome,
    errorName: li.dataset.errorName,
    errorCode: li.dataset.errorCode,
    text: li.textContent ?? '',
  }));
}

async function main() {
  let urls;
  try {
    urls = await startDemo();
    record('demo starts and prints its URLs', true, `${urls.pageUrl} edge ${urls.edgeUrl}`);
  } catch (error) {
    return finish({ name: 'demo starts and prints its URLs', detail: error.message });
  }
  const { pageUrl, edgeUrl } = urls;

  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--headless'],
    timeout: 30_000,
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  const page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));

  await check('page loads and connects through the RBAC listener (badge: connected)', async () => {
    await page.goto(pageUrl, { timeout: 15_000 });
    await page.waitForSelector('#badge[data-state="connected"]', { timeout: 15_000 });
    const url = await page.textContent('#rbac-url');
    assert(url?.includes('?token=demo-token'), `engine URL shown as ${url}`);
    return (await page.textContent('#worker-id')) ?? '';
  });

  await check('the page bundles the BUILT browser entry (dist/browser/index.js)', async () => {
    const js = await (await fetch(new URL('/app.js', pageUrl), { signal: AbortSignal.timeout(5000) })).text();
    const map = /sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)/.exec(js)?.[1];
    assert(map, 'app.js has no inline source map');
    const sources = JSON.parse(Buffer.from(map, 'base64').toString('utf8')).sources;
    assert(sources.some((s) => /dist\/browser\/index\.js$/.test(s)), `sources: ${sources.join(', ')}`);
    assert(!sources.some((s) => /(^|\/)(src|platform)\//.test(s)), `SDK sources bundled: ${sources.filter((s) => /(src|platform)\//.test(s)).join(', ')}`);
    return `${Math.round(js.length / 1024)} KiB with its source map`;
  });

  await check('Node worker pushes the live counter (ui::counter increments)', async () => {
    await page.waitForFunction(() => typeof window.__demo.counter === 'number', null, { timeout: 10_000 });
    const first = (await state(page)).counter;
    await page.waitForFunction((v) => window.__demo.counter >= v + 2, first, { timeout: 10_000 });
    const later = (await state(page)).counter;
    const shown = await page.textContent('#counter');
    assert(Number(shown) >= later - 1, `counter shows ${shown}`);
    return `${first} → ${later}`;
  });

  await check('Node worker calls ui::toast (toast appears)', async () => {
    const message = `e2e toast ${randomBytes(3).toString('hex')}`;
    const response = await fetch(new URL('/api/toast', pageUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message }),
      signal: AbortSignal.timeout(10_000),
    });
    const body = await response.json();
    assert(body.ok === true && body.answer?.shown === true, `server said ${JSON.stringify(body)}`);
    await page.waitForSelector(`.toast:has-text("${message}")`, { timeout: 5000 });
    return `page answered ${JSON.stringify(body.answer)}`;
  });

  await check('page → backend::demo::toast-me → Node worker → ui::toast round trip', async () => {
    await page.click('#btn-toast-me');
    const entry = await logEntry(page, 'backend::demo::toast-me');
    assert(entry.outcome === 'ok', entry.text);
    await page.waitForSelector('.toast:has-text("you asked for a toast")', { timeout: 5000 });
  });

  await check('backend result shown (backend::demo::add 20 + 22 = 42)', async () => {
    await page.click('#btn-add');
    const entry = await logEntry(page, 'backend::demo::add');
    assert(entry.outcome === 'ok' && entry.text.includes('"sum":42'), entry.text);
  });

  await check('backend error shown (backend::demo::fail → IIIInvocationError)', async () => {
    await page.click('#btn-fail');
    const entry = await logEntry(page, 'backend::demo::fail');
    assert(entry.outcome === 'error' && entry.errorName === 'IIIInvocationError', JSON.stringify(entry));
    assert(entry.text.includes('failed on purpose'), entry.text);
    return `[${entry.errorCode}]`;
  });

  await check('client timeout shown (backend::demo::slow → IIITimeoutError)', async () => {
    await page.click('#btn-slow');
    const entry = await logEntry(page, 'backend::demo::slow');
    assert(entry.outcome === 'error' && entry.errorName === 'IIITimeoutError', JSON.stringify(entry));
  });

  await check('forbidden call fails clearly (backend::admin::reset → IIIForbiddenError)', async () => {
    await page.click('#btn-forbidden');
    const entry = await logEntry(page, 'backend::admin::reset');
    assert(entry.outcome === 'error' && entry.errorName === 'IIIForbiddenError' && entry.errorCode === 'FORBIDDEN', JSON.stringify(entry));
    return entry.text.replace(/\s+/g, ' ').slice(0, 120);
  });

  await check('live chart moves (channel → ReadableStream)', async () => {
    await page.waitForFunction(() => window.__demo.chart.received >= 10, null, { timeout: 15_000 });
    const a = await state(page);
    await page.waitForTimeout(1500);
    const b = await state(page);
    assert(b.received > a.received, `samples ${a.received} → ${b.received}`);
    assert(new Set(b.values).size > 1, `values do not change: ${b.values.join(',')}`);
    assert(b.values.at(-1) !== a.values.at(-1) || b.values.join() !== a.values.join(), 'the newest values did not change');
    return `samples ${a.received} → ${b.received}, last ${b.values.at(-1)}`;
  });

  await check('upload through a WritableStream: Node sha-256 equals the expected hash', async () => {
    const bytes = randomBytes(1536 * 1024 + 123);
    const expected = createHash('sha256').update(bytes).digest('hex');
    await page.setInputFiles('#file', { name: 'e2e-upload.bin', mimeType: 'application/octet-stream', buffer: bytes });
    await page.waitForFunction(() => window.__demo.upload?.name === 'e2e-upload.bin', null, { timeout: 20_000 });
    const { upload } = await state(page);
    assert(upload.node === expected, `node hash ${upload.node} != ${expected}`);
    assert(upload.local === expected, `tab hash ${upload.local} != ${expected}`);
    assert(upload.bytes === bytes.length && upload.match, JSON.stringify(upload));
    const verdict = await page.textContent('#hash-verdict');
    assert(verdict?.includes('match'), `verdict ${verdict}`);
    return `${bytes.length} bytes, ${expected.slice(0, 16)}…`;
  });

  await check('edge function (workerd) answers with the trigger result', async () => {
    const response = await fetch(`${edgeUrl.replace(/\?.*$/, '')}?name=e2e`, { signal: AbortSignal.timeout(10_000) });
    const body = await response.json();
    assert(response.status === 200 && body.ok === true, `HTTP ${response.status} ${JSON.stringify(body)}`);
    assert(body.result?.greeting === 'Hello, e2e!' && body.runtime === 'workerd', JSON.stringify(body));
    await page.click('#btn-edge');
    await page.waitForFunction(() => document.getElementById('edge-out')?.textContent?.includes('Hello, browser tab!'), null, { timeout: 10_000 });
    const href = await page.getAttribute('#edge-link', 'href');
    assert(href?.startsWith('http://127.0.0.1:'), `edge link ${href}`);
    return `${body.elapsed_ms} ms via workerd`;
  });

  await shot(page, 'demo-page');

  await check('engine restart: badge shows reconnecting, then recovers', async () => {
    const before = (await state(page)).states.length;
    const restarting = page.click('#btn-restart');
    await page.waitForFunction((n) => window.__demo.states.slice(n).includes('reconnecting'), before, { timeout: 10_000 });
    await shot(page, 'demo-reconnecting');
    await restarting;
    await page.waitForSelector('#badge[data-state="connected"]', { timeout: 20_000 });
    const seen = (await state(page)).states.slice(before);
    return `states ${seen.join(' → ')}`;
  });

  await check('after the restart: calls, counter and chart work again', async () => {
    const entries = await page.$$eval('#log li[data-fn="backend::demo::add"]', (l) => l.length);
    await page.click('#btn-add');
    await page.waitForFunction((n) => document.querySelectorAll('#log li[data-fn="backend::demo::add"]:not(.pending)').length > n, entries, {
      timeout: 10_000,
    });
    const entry = await logEntry(page, 'backend::demo::add');
    assert(entry.outcome === 'ok', entry.text);
    const a = await state(page);
    await page.waitForFunction((v) => window.__demo.counter > v, a.counter, { timeout: 10_000 });
    await page.waitForFunction((n) => window.__demo.chart.received > n + 5, a.received, { timeout: 15_000 });
    const b = await state(page);
    return `counter ${a.counter} → ${b.counter}, samples ${a.received} → ${b.received}`;
  });

  await shot(page, 'demo-after-restart');

  await check('a wrong token is refused by the auth function (no connection)', async () => {
    const other = await context.newPage();
    try {
      await other.goto(`${pageUrl}?token=wrong`, { timeout: 15_000 });
      await other.waitForFunction(() => /auth refused/.test(document.getElementById('badge-text')?.textContent ?? ''), null, {
        timeout: 10_000,
      });
      await other.waitForTimeout(1000);
      const badge = await other.getAttribute('#badge', 'data-state');
      assert(badge !== 'connected', 'the tab with a wrong token connected');
      await shot(other, 'demo-wrong-token');
      return `badge ${badge}: ${await other.textContent('#badge-text')}`;
    } finally {
      await other.close();
    }
  });

  await check('no uncaught errors in the page', async () => {
    assert(pageErrors.length === 0, pageErrors.join(' | '));
  });

  await browser.close().catch(() => {});
  browser = undefined;

  await check('Ctrl-C (SIGINT) stops the demo and its children cleanly', async () => {
    const exited = new Promise((resolve) => demo.once('exit', (code, signal) => resolve({ code, signal })));
    // A terminal's Ctrl-C signals the whole foreground process group (the demo and workerd).
    process.kill(-demo.pid, 'SIGINT');
    const outcome = await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve(undefined), 12_000))]);
    assert(outcome, 'still running 12 s after SIGINT');
    assert(outcome.code === 0, `exit ${JSON.stringify(outcome)}`);
    assert(demoLog.includes('[demo] stopped'), 'no "[demo] stopped" line');
    // Give stragglers (workerd) a moment, then no process of the group may be left.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    let left = true;
    try {
      process.kill(-demo.pid, 0);
    } catch {
      left = false;
    }
    assert(!left, 'processes of the demo are still running after it exited');
  });

  await finish();
}

main().catch((error) => finish({ name: 'runner', detail: String(error?.stack ?? error).split('\n')[0] }));
