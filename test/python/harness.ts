/**
 * Plumbing of the cross-language tests: the engine under test, Python peers as real processes,
 * workers of this SDK through its public Node entry. Every wait is bounded; `cleanup()` kills every
 * Python process and closes every worker and engine started here.
 *
 * The engine is the reference engine (test/engine, `startEngine`), or, when env
 * `III_TEST_ENGINE_URL` is set, that external engine (the real iii engine): then the tests need a
 * queue named by env `III_TEST_QUEUE` (default `cross-lang`) for the enqueue cases, and read the
 * engine's logs through `engine::logs::list`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { startEngine } from '../engine/index.js';
import { registerWorker, type III, type InitOptions } from '../../platform/node/index.js';
import { within } from '../node/helpers.js';

export { waitFor, within } from '../node/helpers.js';

const here = path.dirname(new URL(import.meta.url).pathname);
const repoRoot = path.resolve(here, '../..');
export const EXTERNAL_URL = process.env.III_TEST_ENGINE_URL?.trim() || undefined;
export const QUEUE = process.env.III_TEST_QUEUE?.trim() || 'cross-lang';
/**
 * The iii-sdk release the peers run: set by test/runtimes/run-python.mjs, else the pinned one.
 * Known when the tests are collected, so a test can be marked for one release.
 */
export const PY_SDK: string = process.env.III_PYTHON_SDK ?? (await pythonEnvModule()).requirementsFor().label;
/** The Python peers' default invocation timeout: bounded, so no Python-side call can hang a test. */
export const PY_TIMEOUT_MS = 10_000;

/**
 * `version >= min` for iii-sdk versions as PyPI spells them (`0.23.0rc4` < `0.23.0` < `0.24.6`):
 * what a test expects can depend on the Python SDK it runs with (docs/protocol-versions.md).
 */
export function sdkAtLeast(version: string, min: string): boolean {
  const key = (v: string): number[] => {
    const m = /^(\d+)\.(\d+)\.(\d+)(?:(a|b|rc)(\d+))?/.exec(v);
    if (!m) throw new Error(`not an iii-sdk version: ${v}`);
    const pre = m[4] === undefined ? 3 : { a: 0, b: 1, rc: 2 }[m[4] as 'a' | 'b' | 'rc'];
    return [Number(m[1]), Number(m[2]), Number(m[3]), pre, Number(m[5] ?? 0)];
  };
  const a = key(version);
  const b = key(min);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! > b[i]!;
  return true;
}

export interface EngineLogEntry {
  level: string;
  message: string;
  data?: unknown;
}

export interface EngineUnderTest {
  url: string;
  external: boolean;
  /** `engine::log::*` calls as the reference engine saw them; undefined for an external engine. */
  logs: EngineLogEntry[] | undefined;
}

let engine: (EngineUnderTest & { close(): Promise<void> }) | undefined;
const workers = new Set<III>();
const peers = new Set<PythonPeer>();
let counter = 0;

/** One engine per test file (the reference engine on an ephemeral port, or the external one). */
export async function engineUnderTest(): Promise<EngineUnderTest> {
  if (engine) return engine;
  if (EXTERNAL_URL) {
    engine = { url: EXTERNAL_URL, external: true, logs: undefined, close: async () => undefined };
    return engine;
  }
  const logs: EngineLogEntry[] = [];
  const running = await startEngine({
    port: 0,
    host: '127.0.0.1',
    queue: { queues: [QUEUE] },
    log: (level, message, data) => {
      logs.push({ level, message, data });
    },
  });
  engine = { url: running.url, external: false, logs, close: () => running.close() };
  return engine;
}

/**
 * Why the enqueue cases cannot run here, or `undefined`. An external engine queues only through a
 * provider of `engine::queue::enqueue` (the standalone queue worker, with the queue {@link QUEUE});
 * the real engine 0.23.0-rc.4 has none built in (docs/real-engine.md, "The queue").
 */
export async function queueUnavailable(caller: III): Promise<string | undefined> {
  if (!EXTERNAL_URL) return undefined;
  const listed = (await caller.listFunctions()).some((f) => f.function_id === 'engine::queue::enqueue');
  return listed ? undefined : `no engine::queue::enqueue provider is registered on the external engine (the standalone queue worker, with a queue named "${QUEUE}")`;
}

/** Names unique across processes and runs, so parallel files can share an external engine. */
export function unique(prefix: string): string {
  return `${prefix}-${process.pid}-${++counter}-${randomBytes(3).toString('hex')}`;
}

/** A worker of this SDK with quiet logs and fast reconnects. */
export function tsWorker(url: string, options: InitOptions = {}): III {
  const w = registerWorker(url, {
    workerName: unique('ts'),
    logLevel: 'silent',
    invocationTimeoutMs: 10_000,
    reconnect: { initialDelayMs: 50, maxDelayMs: 200, jitter: 0 },
    ...options,
  });
  workers.add(w);
  return w;
}

export interface PythonPeer {
  /** Function ids are `<prefix>::<name>`; its trigger type is `<prefix>-ticker`. */
  prefix: string;
  name: string;
  pid: number;
  workerId: string;
  /** iii-sdk version the peer runs. */
  sdk: string;
  python: string;
  fn(name: string): string;
  /** stderr of the process so far (the SDK's own logging), for failure messages. */
  stderr(): string;
  /** Resolves with the exit status once the process is gone. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL (no goodbye to the engine: the socket just drops) or SIGTERM; bounded. */
  kill(signal?: 'SIGKILL' | 'SIGTERM'): Promise<void>;
}

interface PythonEnvModule {
  ensurePythonEnv(): { python: string; sdkVersion: string };
  requirementsFor(): { label: string };
}

function pythonEnvModule(): Promise<PythonEnvModule> {
  return import(path.join(repoRoot, 'scripts/python-env.mjs')) as Promise<PythonEnvModule>;
}

/** The venv interpreter: from the runner (env III_PYTHON_VENV), else set up here (pinned release). */
async function pythonBin(): Promise<string> {
  if (process.env.III_PYTHON_VENV) return process.env.III_PYTHON_VENV;
  process.env.III_PYTHON_VENV = (await pythonEnvModule()).ensurePythonEnv().python;
  return process.env.III_PYTHON_VENV;
}

/**
 * Starts `test/python/workers/peer.py` against `url` and waits (bounded) for its ready line.
 * `env` adds to the process environment (its `III_URL` defaults to `url`: the Python SDK sends
 * its telemetry there, not to the address given to `register_worker`).
 */
export async function startPython(url: string, options: { env?: Record<string, string>; readyMs?: number } = {}): Promise<PythonPeer> {
  const python = await pythonBin();
  const prefix = unique('py');
  const name = `${prefix}-worker`;
  const child: ChildProcess = spawn(python, [path.join(here, 'workers/peer.py'), '--url', url, '--prefix', prefix, '--name', name, '--timeout-ms', String(PY_TIMEOUT_MS)], {
    env: { ...process.env, III_URL: url, PYTHONUNBUFFERED: '1', ...options.env },
    // stdin stays open for the peer's life: the peer exits when it closes (this process is gone).
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-20_000);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', () => resolve({ code: null, signal: null }));
  });
  const ready = new Promise<Record<string, unknown>>((resolve, reject) => {
    let buf = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      buf += chunk;
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        try {
          const event = JSON.parse(line) as Record<string, unknown>;
          if (event.event === 'ready') resolve(event);
        } catch {
          // not ours
        }
      }
    });
    void exited.then(({ code, signal }) => reject(new Error(`the Python peer exited (code ${code}, signal ${signal}) before it was ready:\n${stderr}`)));
  });
  const kill = async (signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL'): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    try {
      await within(exited, 3000, 'Python peer exit');
    } catch {
      child.kill('SIGKILL');
      await within(exited, 3000, 'Python peer exit after SIGKILL');
    }
  };
  let info: Record<string, unknown>;
  try {
    info = await within(ready, options.readyMs ?? 30_000, `Python peer ready (stderr so far: ${stderr.slice(-2000)})`);
  } catch (e) {
    await kill();
    throw e;
  }
  if (typeof info.worker_id !== 'string') {
    await kill();
    throw new Error(`the Python peer got no worker id from the engine (no workerregistered within 10 s):\n${stderr}`);
  }
  const peer: PythonPeer = {
    prefix,
    name,
    pid: child.pid!,
    workerId: info.worker_id,
    sdk: String(info.sdk),
    python: String(info.python),
    fn: (n) => `${prefix}::${n}`,
    stderr: () => stderr,
    exited,
    kill,
  };
  peers.add(peer);
  return peer;
}

/** Waits until `caller` sees every id in the engine's function list (registration has no ack, §3.2). */
export async function listed(caller: III, ids: string[], ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const have = new Set((await caller.listFunctions({ include_internal: true })).map((f) => f.function_id));
    const missing = ids.filter((id) => !have.has(id));
    if (missing.length === 0) return;
    if (Date.now() > deadline) throw new Error(`not listed by the engine within ${ms} ms: ${missing.join(', ')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Calls one of the peer's functions from `caller` and returns its result. */
export function callPython<T = any>(caller: III, peer: PythonPeer, name: string, payload: unknown, timeoutMs = 15_000): Promise<T> {
  return caller.trigger<unknown, T>({ function_id: peer.fn(name), payload, timeoutMs });
}

export async function cleanup(): Promise<void> {
  await Promise.all([...peers].map((p) => p.kill().catch(() => undefined)));
  peers.clear();
  await Promise.all([...workers].map((w) => within(w.shutdown(), 5000, 'worker shutdown').catch(() => undefined)));
  workers.clear();
  const e = engine;
  engine = undefined;
  if (e) await within(e.close(), 5000, 'engine close').catch(() => undefined);
}
