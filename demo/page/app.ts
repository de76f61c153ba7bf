/**
 * The demo page. It is a worker of the engine: it registers `ui::*` functions the Node worker
 * calls, calls `backend::*` functions, streams through channels in both directions, and shows
 * the connection's state.
 *
 * The import below names the source entry so that `tsc` can type this file; demo/build.ts
 * bundles the BUILT `dist/browser/index.js` in its place (what users of the package get).
 */
import {
  IIIForbiddenError,
  IIIInvocationError,
  IIITimeoutError,
  registerWorker,
  type III,
  type IIIConnectionState,
  type StateChange,
} from '../../platform/browser/index.js';
import { decodeText, LiveChart, parseSamples, splitLines, type Sample } from './chart.js';

interface PageConfig {
  engineUrl: string;
  token: string;
  edgeUrl: string | null;
  canRestartEngine: boolean;
  exposedFunctions: string[];
}

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from the page`);
  return el as T;
};

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** State the e2e checks read (window.__demo); also handy in the devtools console. */
const demo = {
  iii: undefined as III | undefined,
  states: [] as IIIConnectionState[],
  toasts: [] as string[],
  counter: undefined as number | undefined,
  chart: undefined as LiveChart | undefined,
  streamRuns: 0,
  upload: undefined as undefined | { name: string; bytes: number; node: string; local: string; match: boolean },
};
(window as unknown as { __demo: typeof demo }).__demo = demo;

function hex(buffer: ArrayBuffer): string {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');
}

function describeError(error: unknown): { name: string; code?: string; message: string } {
  if (error instanceof IIIInvocationError) return { name: error.name, code: error.code, message: error.message };
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: String(error) };
}

// ------------------------------------------------------------------ toasts

function showToast(message: string, level: string, from: string): void {
  const el = document.createElement('div');
  el.className = `toast ${level}`;
  el.textContent = message;
  const small = document.createElement('small');
  small.textContent = `${from} · ${new Date().toLocaleTimeString()}`;
  el.append(small);
  $('toasts').append(el);
  demo.toasts.push(message);
  $('toast-count').textContent = `${demo.toasts.length} toast${demo.toasts.length === 1 ? '' : 's'} shown`;
  setTimeout(() => el.remove(), 6000);
}

const inbound = new Map<string, number>();

/** Counts invocations the engine delivered to this tab, per function. */
function countInbound(functionId: string): void {
  inbound.set(functionId, (inbound.get(functionId) ?? 0) + 1);
  const cell = document.querySelector<HTMLElement>(`#inbound [data-fn="${functionId}"]`);
  if (cell) cell.textContent = String(inbound.get(functionId));
}

// ------------------------------------------------------------------ the badge

/** The engine's last refusal of our token; shown while the client keeps retrying. */
let authError: string | undefined;

function showState(state: IIIConnectionState, change?: StateChange): void {
  demo.states.push(state);
  const badge = $('badge');
  badge.dataset.state = state;
  const text: Record<IIIConnectionState, string> = {
    disconnected: 'disconnected',
    connecting: 'connecting…',
    connected: 'connected',
    reconnecting: 'reconnecting…',
    failed: 'failed',
  };
  let label = text[state] ?? state;
  if (state === 'connected') authError = undefined;
  if (state === 'reconnecting' && change?.attempt) label = `reconnecting… (attempt ${change.attempt})`;
  if (state === 'reconnecting' && authError) label = `auth refused (${authError}), retrying`;
  $('badge-text').textContent = label;
  badge.title = change?.error ? change.error.message : '';
  const workerId = state === 'connected' ? demo.iii?.workerId : undefined;
  $('worker-id').textContent = workerId ? `worker ${workerId.slice(0, 8)}…` : '';
  $('worker-id').title = workerId ? `worker id assigned by the engine: ${workerId}` : '';
}

function waitConnected(iii: III): Promise<void> {
  if (iii.connectionState === 'connected') return Promise.resolve();
  return new Promise((resolve) => {
    const off = iii.addConnectionStateListener((state) => {
      if (state === 'connected') {
        off();
        resolve();
      }
    });
  });
}

// ------------------------------------------------------------------ backend calls

function logCall(fn: string): { ok(value: unknown, ms: number): void; err(error: unknown, ms: number): void } {
  const li = document.createElement('li');
  li.className = 'pending';
  li.dataset.fn = fn;
  li.innerHTML = `<span class="fn"></span> <span class="muted">…</span>`;
  li.querySelector('.fn')!.textContent = fn;
  $('log').prepend(li);
  while ($('log').children.length > 30) $('log').lastElementChild?.remove();
  const meta = li.querySelector('.muted')!;
  return {
    ok(value, ms) {
      li.className = 'ok';
      li.dataset.outcome = 'ok';
      meta.textContent = `${ms} ms`;
      const val = document.createElement('div');
      val.className = 'val';
      val.textContent = `→ ${JSON.stringify(value)}`;
      li.append(val);
    },
    err(error, ms) {
      const e = describeError(error);
      li.className = 'err';
      li.dataset.outcome = 'error';
      li.dataset.errorName = e.name;
      li.dataset.errorCode = e.code ?? '';
      meta.textContent = `${ms} ms`;
      const val = document.createElement('div');
      val.className = 'val';
      val.innerHTML = '<span class="ename"></span> ';
      // An IIIInvocationError's message starts with its code ("FORBIDDEN: …").
      val.querySelector('.ename')!.textContent = `${e.name}:`;
      val.append(document.createTextNode(e.message));
      li.append(val);
    },
  };
}

async function call(iii: III, function_id: string, payload: unknown, timeoutMs?: number): Promise<void> {
  const entry = logCall(function_id);
  const started = performance.now();
  try {
    const result = await iii.trigger({ function_id, payload, timeoutMs });
    entry.ok(result, Math.round(performance.now() - started));
  } catch (error) {
    // Every rejection is an IIIInvocationError; RBAC refusals are the IIIForbiddenError subclass.
    if (error instanceof IIIForbiddenError) console.info('forbidden, as expected:', error.message);
    else if (error instanceof IIITimeoutError) console.info('timed out, as expected:', error.message);
    entry.err(error, Math.round(performance.now() - started));
  }
}

// ------------------------------------------------------------------ the live chart

async function runStream(iii: III, chart: LiveChart): Promise<never> {
  const status = $('chart-status');
  for (;;) {
    await waitConnected(iii);
    status.textContent = 'opening a channel';
    const stop = new AbortController();
    try {
      const channel = await iii.createChannel(32);
      demo.streamRuns += 1;
      // The Node worker writes bytes; the tab reads them as a ReadableStream<Uint8Array>.
      const piped = channel.reader.readable
        .pipeThrough(decodeText())
        .pipeThrough(splitLines())
        .pipeThrough(parseSamples())
        .pipeTo(chart.sink(), { signal: stop.signal });
      try {
        await iii.trigger({ function_id: 'backend::stream::metrics', payload: { output: channel.writerRef, intervalMs: 100 } });
      } catch (error) {
        stop.abort(error);
        throw error;
      }
      status.textContent = 'streaming';
      status.title = '';
      await piped;
      status.textContent = 'stream ended; starting another';
    } catch (error) {
      status.textContent = 'interrupted; resumes when connected';
      status.title = describeError(error).message;
    }
    await sleep(1000);
  }
}

// ------------------------------------------------------------------ upload

async function upload(iii: III, file: Blob, name: string): Promise<void> {
  $('upload-file').textContent = `${name} (${file.size.toLocaleString()} bytes) — uploading…`;
  for (const id of ['hash-node', 'hash-local']) $(id).textContent = '…';
  $('hash-verdict').textContent = '…';
  $('hash-verdict').className = '';
  const started = performance.now();
  const stop = new AbortController();
  try {
    const channel = await iii.createChannel(16);
    // The Node worker reads the channel while the tab writes the file into it.
    const hashing = iii.trigger<unknown, { sha256: string; bytes: number }>({
      function_id: 'backend::upload::sha256',
      payload: { input: channel.readerRef, name, size: file.size },
      timeoutMs: 60_000,
    });
    const writing = file.stream().pipeTo(channel.writer.writable, { signal: stop.signal });
    hashing.catch((error) => stop.abort(error));
    const [result] = await Promise.all([hashing, writing]);
    const ms = Math.round(performance.now() - started);
    const local = hex(await crypto.subtle.digest('SHA-256', await file.arrayBuffer()));
    const match = result.sha256 === local && result.bytes === file.size;
    demo.upload = { name, bytes: result.bytes, node: result.sha256, local, match };
    $('upload-file').textContent = `${name} (${result.bytes.toLocaleString()} bytes in ${ms} ms)`;
    $('hash-node').textContent = result.sha256;
    $('hash-local').textContent = local;
    $('hash-verdict').textContent = match ? '✓ hashes match' : '✗ hashes differ';
    $('hash-verdict').className = match ? 'verdict-ok' : 'verdict-bad';
  } catch (error) {
    const e = describeError(error);
    $('hash-verdict').textContent = `✗ ${e.name}: ${e.message}`;
    $('hash-verdict').className = 'verdict-bad';
  }
}

function generatedFile(): Blob {
  const bytes = new Uint8Array(3 * 1024 * 1024);
  // getRandomValues fills at most 64 KiB per call.
  for (let at = 0; at < bytes.length; at += 65536) crypto.getRandomValues(bytes.subarray(at, at + 65536));
  return new Blob([bytes], { type: 'application/octet-stream' });
}

// ------------------------------------------------------------------ start

async function main(): Promise<void> {
  const config = (await (await fetch('/config.json')).json()) as PageConfig;
  // A `?token=` on the page replaces the demo token (try ?token=wrong to see auth fail).
  const token = new URLSearchParams(location.search).get('token') ?? config.token;
  const url = `${config.engineUrl.replace(/\/$/, '')}/?token=${encodeURIComponent(token)}`;
  $('rbac-url').textContent = url;
  $('rbac-expose').textContent = config.exposedFunctions.join('   ');

  const iii = registerWorker(url, {
    workerName: `browser-tab:${crypto.randomUUID().slice(0, 8)}`,
    workerDescription: 'the demo page',
    // Recover quickly when the engine restarts.
    reconnect: { initialDelayMs: 300, maxDelayMs: 2000 },
  });
  demo.iii = iii;
  // Called at once with the current state, then on every change.
  iii.addConnectionStateListener((state, change) => showState(state, change));
  // Retries are not changes of state: the `state` event brings each one, with its attempt number.
  iii.on('state', (change) => {
    if (change.state === 'reconnecting' && change.attempt && !authError) $('badge-text').textContent = `reconnecting… (attempt ${change.attempt})`;
  });
  iii.on('function-rejected', (error) => {
    // Another tab already serves ui::* (the engine keeps the first owner, protocol.md §3.2).
    const note = $('ui-note');
    note.hidden = false;
    note.textContent = `${error.message} — another tab serves ui::* already; close it and reload this one.`;
  });
  iii.on('auth-error', (error) => {
    authError = error.message;
    $('badge-text').textContent = `auth refused (${error.message}), retrying`;
  });

  iii.registerFunction(
    'ui::toast',
    async (input: { message?: unknown; level?: unknown }) => {
      countInbound('ui::toast');
      const message = String(input.message ?? '');
      showToast(message, typeof input.level === 'string' ? input.level : 'info', 'called by the Node worker');
      return { shown: true, at: new Date().toISOString() };
    },
    { description: 'Shows a toast in the demo page' },
  );
  iii.registerFunction(
    'ui::counter',
    async (input: { value?: unknown }) => {
      countInbound('ui::counter');
      const value = Number(input.value);
      demo.counter = value;
      const el = $('counter');
      el.textContent = String(value);
      el.classList.remove('bump');
      void el.offsetWidth; // restart the animation
      el.classList.add('bump');
      $('counter-at').textContent = `last tick ${new Date().toLocaleTimeString()}`;
      return { ok: true };
    },
    { description: 'Shows the live counter pushed by the Node worker' },
  );

  $('btn-add').onclick = () =>
    void call(iii, 'backend::demo::add', { a: Number($<HTMLInputElement>('add-a').value), b: Number($<HTMLInputElement>('add-b').value) });
  $('btn-greet').onclick = () => void call(iii, 'backend::demo::greet', { name: 'browser tab', via: 'browser' });
  $('btn-fail').onclick = () => void call(iii, 'backend::demo::fail', {});
  $('btn-slow').onclick = () => void call(iii, 'backend::demo::slow', { ms: 3000 }, 1000);
  $('btn-forbidden').onclick = () => void call(iii, 'backend::admin::reset', {});
  $('btn-toast-me').onclick = () => void call(iii, 'backend::demo::toast-me', { message: 'you asked for a toast' });

  const chart = new LiveChart($<HTMLCanvasElement>('chart'), (sample: Sample) => {
    $('chart-count').textContent = String(chart.received);
    $('chart-last').textContent = sample.value.toFixed(2);
  });
  demo.chart = chart;
  void runStream(iii, chart);

  const fileInput = $<HTMLInputElement>('file');
  fileInput.onchange = () => {
    const file = fileInput.files?.[0];
    if (file) void upload(iii, file, file.name);
  };
  $('btn-generate').onclick = () => void upload(iii, generatedFile(), 'generated-3MiB.bin');

  const edgeLink = $<HTMLAnchorElement>('edge-link');
  if (config.edgeUrl) {
    const edgeUrl = `${config.edgeUrl.replace(/\/$/, '')}/?name=browser%20tab`;
    edgeLink.href = edgeUrl;
    edgeLink.textContent = edgeUrl;
    $('btn-edge').onclick = async () => {
      $('edge-out').textContent = '…';
      try {
        const response = await fetch(edgeUrl);
        $('edge-out').textContent = `HTTP ${response.status}\n${await response.text()}`;
      } catch (error) {
        $('edge-out').textContent = `fetch failed: ${describeError(error).message}`;
      }
    };
  } else {
    edgeLink.textContent = 'no edge function running';
    $<HTMLButtonElement>('btn-edge').disabled = true;
  }

  const restart = $<HTMLButtonElement>('btn-restart');
  restart.disabled = !config.canRestartEngine;
  restart.onclick = async () => {
    restart.disabled = true;
    restart.textContent = 'Restarting…';
    try {
      const response = await fetch('/api/restart-engine', { method: 'POST' });
      const body = (await response.json()) as { ok: boolean; error?: string };
      if (!body.ok) showToast(`restart failed: ${body.error}`, 'warn', 'demo server');
    } catch (error) {
      showToast(`restart failed: ${describeError(error).message}`, 'warn', 'demo server');
    } finally {
      restart.disabled = false;
      restart.textContent = 'Restart engine';
    }
  };
}

main().catch((error) => {
  $('badge-text').textContent = `page failed: ${describeError(error).message}`;
  console.error(error);
});
