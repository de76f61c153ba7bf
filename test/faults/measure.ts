/**
 * The figures of docs/reliability.md: `npm run faults:measure` (full counts, several minutes) or
 * `npm run faults:measure -- --quick` (about a minute). Knobs: `--calls N --restarts N --fuzz N
 * --channel-mib N --channel-runs N --only restart,halfopen,fuzz,channels,oversize,connect,secrets
 * --runtimes node,chromium,deno,bun,workerd`. The secrets figures of the runtimes other than Node
 * run their runner (`node test/runtimes/run-<runtime>.mjs --grep secrets`) and need `npm run build`.
 *
 * Prints one line per figure as it is measured, then the table (promise | measured | holds) and the
 * whole result as JSON. Nothing here asserts: the tests do (test/faults/*.test.ts).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { registerWorker, type HeartbeatOptions } from '../../platform/node/index.js';
import { runSecretsScenario } from '../conformance/secrets.js';
import { startEngine } from '../engine/index.js';
import { cleanup, registered, uniqueName, within, worker } from '../node/helpers.js';
import { startOrchestrator } from '../runtimes/orchestrator.js';
import { readerKilled, writerKilled } from './channel-faults.js';
import { killChildren } from './children.js';
import { CODE, MiB, codeOf, messageChain, readyWithin } from './contract.js';
import { freePort, repoRoot } from './engine-process.js';
import { measureHalfOpen } from './half-open.js';
import { runFuzz } from './hostile-engine.js';
import { runRestartLoad } from './restart-load.js';

const argv = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const quick = argv.includes('--quick');
const num = (name: string, full: number, fast: number): number => Number(flag(name) ?? (quick ? fast : full));
const only = new Set((flag('only') ?? 'restart,halfopen,fuzz,channels,oversize,connect,secrets').split(','));
const runtimes = (flag('runtimes') ?? (quick ? 'node' : 'node,chromium,deno,bun,workerd')).split(',');
const COMMAND = `npm run faults:measure${quick ? ' -- --quick' : ''}`;

interface Row {
  promise: string;
  measured: string;
  holds: boolean | undefined;
}
const rows: Row[] = [];
const details: Record<string, unknown> = {};
function row(promise: string, measured: string, holds: boolean | undefined): void {
  rows.push({ promise, measured, holds });
  console.log(`${holds === undefined ? '    ' : holds ? 'ok  ' : 'FAIL'} ${promise}: ${measured}`);
}
const median = (xs: number[]): number => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]! : NaN);

async function restart(): Promise<void> {
  const calls = num('calls', 10_000, 1000);
  const restarts = num('restarts', 15, 3);
  const r = await runRestartLoad({ calls, restarts, ratePerSecond: quick ? 150 : 120, callTimeoutMs: 15_000, log: (l) => console.log(`  ${l}`) });
  details.restart = r;
  row(`Engine killed (SIGKILL) and restarted ${r.restarts}× under ${r.calls} calls: no call lost`, `${r.lost} lost (unsettled)`, r.lost === 0);
  row('… no call run twice', `${r.ranTwice} run twice`, r.ranTwice === 0);
  row(
    '… every call settles with success, or CONNECTION_LOST if it was on the wire when the engine died',
    `${r.succeeded} succeeded, rejected: ${JSON.stringify(r.rejected)}; ${r.broken} broke the promise`,
    r.broken === 0,
  );
  row(
    'Calls queued during an outage succeed once the worker owning the function is back, within their timeout',
    `${r.restartsAllQueuedOk}/${r.restartsWithQueued} restarts; ${r.queuedSucceeded}/${r.queuedTotal} queued calls succeeded`,
    r.restartsAllQueuedOk === r.restartsWithQueued && r.queuedSucceeded === r.queuedTotal,
  );
  row('… settle time: engine back → last call queued in its outage settled', `median ${median(r.settleMs)} ms, max ${Math.max(...r.settleMs)} ms`, undefined);
}

async function halfOpen(): Promise<void> {
  const settings: Array<[Partial<HeartbeatOptions> | false, number]> = quick
    ? [
        [{ intervalMs: 300, timeoutMs: 900 }, 8000],
        [{ intervalMs: 1000, timeoutMs: 3000 }, 10_000],
        [false, 5000],
      ]
    : [
        [{ intervalMs: 300, timeoutMs: 900 }, 8000],
        [{ intervalMs: 1000, timeoutMs: 3000 }, 10_000],
        [{ intervalMs: 5000, timeoutMs: 15_000 }, 30_000],
        [{}, 90_000],
        [false, 90_000],
      ];
  // Independent links, measured side by side.
  const results = await Promise.all(settings.map(([hb, max]) => measureHalfOpen(hb, max)));
  details.halfOpen = results;
  for (const [i, r] of results.entries()) {
    const [hb, max] = settings[i]!;
    if (hb === false) {
      row('Half-open link, heartbeat: false', r.detectedMs === undefined ? `not noticed within ${max / 1000} s (no heartbeat: by design)` : `noticed after ${r.detectedMs} ms`, undefined);
      continue;
    }
    const interval = hb.intervalMs ?? 20_000;
    const timeout = hb.timeoutMs ?? 60_000;
    const bound = timeout + Math.min(interval, timeout, 10_000);
    const name = hb.intervalMs === undefined ? 'default {intervalMs: 20000, timeoutMs: 60000}' : `{intervalMs: ${interval}, timeoutMs: ${timeout}}`;
    row(
      `Half-open link noticed within timeoutMs + one answer window (${bound} ms), heartbeat ${name}`,
      r.detectedMs === undefined
        ? `not noticed within ${max} ms`
        : `${r.detectedMs} ms; call in flight: ${r.inFlight?.code} after ${r.inFlight?.ms} ms; link back: ${r.recovered ? `queued call ok after ${r.recoverMs} ms` : 'not recovered'}`,
      r.detectedMs !== undefined && r.detectedMs <= bound + 500 && r.inFlight?.code === CODE.ConnectionLost && r.recovered,
    );
  }
}

async function fuzz(): Promise<void> {
  const frames = num('fuzz', 400_000, 20_000);
  const r = await runFuzz({ frames, seed: 10, log: (l) => console.log(`  ${l}`) });
  details.fuzz = r;
  row(
    `Fuzzed frames from a hostile engine (${r.frames}): no escape, no prototype pollution, the worker works afterwards`,
    `${r.escapes} escapes, ${r.polluted.length} polluted, ${r.recovered ? 'worker recovered' : `NOT recovered: ${r.recoverError}`} (${r.connections} connections, ${Math.round(r.durationMs / 1000)} s)`,
    r.escapes === 0 && r.polluted.length === 0 && r.recovered,
  );
}

async function channels(): Promise<void> {
  const size = num('channel-mib', 1024, 256) * MiB;
  const runs = num('channel-runs', 5, 2);
  const engine = await startEngine({ port: 0, host: '127.0.0.1' });
  const iii = worker(engine.url, { workerName: uniqueName('measure-channels') });
  try {
    await within(iii.ready(), 5000, 'ready');
    const writerRuns = [];
    for (let i = 0; i < runs; i++) {
      const at = Math.floor(size * (0.1 + (0.8 * i) / Math.max(1, runs - 1)));
      const r = await writerKilled(iii, engine.url, size, at, 15_000);
      console.log(`  writer killed after ${r.bytes} bytes: reader ${r.outcome}${r.code ? ` ${r.code}` : ''}`);
      writerRuns.push(r);
    }
    const reported = writerRuns.filter((r) => r.outcome === 'error' && r.code === CODE.ChannelTruncated).length;
    row(
      `${size / MiB} MiB stream, writer process killed mid-stream: the reader (this SDK) errors CHANNEL_TRUNCATED`,
      `${reported}/${runs} truncations reported; ${writerRuns.filter((r) => r.outcome === 'clean').length} clean (silent) ends, ${writerRuns.filter((r) => r.outcome === 'hang').length} hangs`,
      reported === runs,
    );
    const readerRuns = [];
    for (let i = 0; i < runs; i++) {
      const at = Math.floor(size * (0.1 + (0.8 * i) / Math.max(1, runs - 1)));
      const r = await readerKilled(iii, engine.url, size, at, 10_000);
      console.log(`  reader killed after ${r.readBytes} bytes: write() ${r.settleMs === undefined ? 'never settled' : `settled in ${r.settleMs} ms (${r.code})`}, ${r.ticks} ticks`);
      readerRuns.push(r);
    }
    const fast = readerRuns.filter((r) => r.settleMs !== undefined && r.settleMs <= 1000 && r.code === CODE.ChannelClosed).length;
    const hung = readerRuns.filter((r) => r.settleMs === undefined).length;
    const frozen = readerRuns.filter((r) => r.ticks < 8 || !r.pong).length;
    row(
      `${size / MiB} MiB stream, reader process killed: write() rejects CHANNEL_CLOSED within 1 s, the writer process stays responsive`,
      `${fast}/${runs} within 1 s; ${hung} hangs (no settle in 10 s); ${frozen} writer processes frozen (timer starved); settle ms: ${readerRuns.map((r) => r.settleMs ?? '∞').join(', ')}`,
      fast === runs && frozen === 0,
    );
    details.channels = { writerRuns, readerRuns };
  } finally {
    await killChildren();
    await within(iii.shutdown(), 3000, 'shutdown').catch(() => undefined);
    await engine.close();
  }
}

async function oversize(): Promise<void> {
  const engine = await startEngine({ port: 0, host: '127.0.0.1' });
  try {
    const server = worker(engine.url);
    server.registerFunction('measure::slow-echo', async (d: { i: number }) => {
      await new Promise((r) => setTimeout(r, 300));
      return d.i;
    });
    const caller = worker(engine.url);
    await within(Promise.all([server.ready(), caller.ready()]), 5000, 'ready');
    await registered(caller, 'measure::slow-echo');
    const others = Array.from({ length: 20 }, (_, i) => caller.trigger({ function_id: 'measure::slow-echo', payload: { i }, timeoutMs: 10_000 }).then(() => true, () => false));
    const big = { big: 'x'.repeat(50 * MiB) };
    const started = performance.now();
    const outcome = await caller.trigger({ function_id: 'measure::slow-echo', payload: big, timeoutMs: 10_000 }).then(
      () => 'resolved',
      (e: unknown) => codeOf(e) ?? 'no code',
    );
    const ms = Math.round(performance.now() - started);
    const ok = (await Promise.all(others)).filter(Boolean).length;
    row('A 50 MiB payload rejects PAYLOAD_TOO_LARGE in under 100 ms; 20/20 other calls in flight succeed', `${outcome} after ${ms} ms; ${ok}/20 others succeeded`, outcome === CODE.PayloadTooLarge && ms < 100 && ok === 20);
  } finally {
    await cleanup();
    await engine.close();
  }
}

async function connect(): Promise<void> {
  const port = await freePort();
  const c = registerWorker(`ws://127.0.0.1:${port}/?token=measure`, { workerName: uniqueName('measure-connect'), logLevel: 'silent', reconnect: { initialDelayMs: 50, maxDelayMs: 200 } });
  const started = Date.now();
  // The whole chain is checked; only its display in the table is cut short.
  const out = await within(readyWithin(c, { timeoutMs: 2000 }), 8000, 'ready').then(
    () => 'resolved',
    (e: unknown) => (e instanceof Error && e.message === 'ready did not settle within 8000ms' ? undefined : `${codeOf(e) ?? 'no code'}: ${messageChain(e)}`),
  );
  const ms = Date.now() - started;
  await within(c.shutdown(), 3000, 'shutdown').catch(() => undefined);
  row(
    'ready({ timeoutMs: 2000 }) against a closed port rejects ENGINE_UNREACHABLE in about 2 s, with the cause',
    out === undefined ? 'still pending after 8 s' : `${out.slice(0, 200)} (after ${ms} ms)`,
    out !== undefined && out.startsWith(CODE.EngineUnreachable) && /refused/i.test(out) && ms < 3000,
  );
}

/** Runs a runtime's runner with `--grep secrets` and reads the case's line. */
function runnerSecrets(runtime: string): Promise<string> {
  const file = path.join(repoRoot, 'test/runtimes', `run-${runtime}.mjs`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file, '--grep', '^secrets'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
    child.on('close', () => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => / › secrets:/.test(l)) ?? `no result (${out.trim().split('\n').at(-1) ?? ''})`;
      resolve(line);
    });
  });
}

async function secrets(): Promise<void> {
  const dist = path.join(repoRoot, 'dist/node/index.js');
  for (const runtime of runtimes) {
    let measured: string;
    let holds: boolean;
    if (runtime === 'node') {
      if (!existsSync(dist)) {
        row('Secrets (node)', 'dist/node/index.js missing: run npm run build', undefined);
        continue;
      }
      const orchestrator = await startOrchestrator({ helperEntry: dist });
      try {
        const sdk = await import(pathToFileURL(dist).href);
        const r = await runSecretsScenario(sdk, orchestrator.config, 'node');
        measured = `${r.occurrences} occurrences in ${r.leaks} of ${r.outputs} outputs`;
        holds = r.occurrences === 0;
      } finally {
        await orchestrator.close();
      }
    } else {
      const line = await runnerSecrets(runtime);
      const found = /found (\d+) occurrences of the secrets in (\d+) of (\d+) outputs/.exec(line);
      measured = found ? `${found[1]} occurrences in ${found[2]} of ${found[3]} outputs` : line.startsWith('ok') ? '0 occurrences' : line.slice(0, 200);
      holds = line.startsWith('ok');
    }
    row(`No query token or header value in any output (${runtime})`, measured, holds);
  }
}

const sections: Array<[string, () => Promise<void>]> = [
  ['connect', connect],
  ['oversize', oversize],
  ['halfopen', halfOpen],
  ['fuzz', fuzz],
  ['channels', channels],
  ['restart', restart],
  ['secrets', secrets],
];
const began = Date.now();
for (const [name, run] of sections) {
  if (!only.has(name)) continue;
  console.log(`\n== ${name}`);
  try {
    await run();
  } catch (error) {
    row(`${name}: the measurement itself`, `broke: ${error instanceof Error ? error.message : String(error)}`, false);
  }
}
console.log(`\n| promise | measured | holds |\n|---|---|---|`);
for (const r of rows) console.log(`| ${r.promise} | ${r.measured.replace(/\|/g, '\\|')} | ${r.holds === undefined ? '—' : r.holds ? 'yes' : '**no**'} |`);
console.log(`\ncommand: ${COMMAND} (${Math.round((Date.now() - began) / 1000)} s)`);
console.log(`JSON ${JSON.stringify({ quick, rows, details })}`);
await cleanup();
process.exit(0);
