/**
 * Shared helpers for the Node SDK against the reference engine on loopback, or against the
 * external engine of `III_TEST_ENGINE_URL` (test/external-engine.ts).
 * Every wait is bounded; every worker and engine started here is closed in `cleanup()`.
 */
import { startEngine, type EngineOptions } from '../engine/index.js';
import { isDeepStrictEqual } from 'node:util';
import { AUTH_FUNCTION_ID, HOOKS_LISTENER, externalEngine, type ExternalEngine } from '../external-engine.js';
import { registerWorker, type III, type InitOptions } from '../../platform/node/index.js';

type RunningEngine = Awaited<ReturnType<typeof startEngine>>;

const workers = new Set<III>();
const engines = new Set<RunningEngine>();
let nameCounter = 0;

/** Unique worker names: the engine leases (namespace, name) (§1.2). */
export function uniqueName(prefix = 'w'): string {
  return `${prefix}-${process.pid}-${++nameCounter}`;
}

/**
 * A reference engine with `options`, or the external engine when one is configured. Against the
 * external engine only `listeners` may be given, each one of those docs/real-engine.config.yaml
 * declares (trusted; RBAC with auth function {@link AUTH_FUNCTION_ID}; {@link HOOKS_LISTENER});
 * any other option is a reference-engine feature, and the test must skip first (`referenceOnly`).
 */
export async function engine(options: EngineOptions = {}): Promise<RunningEngine> {
  if (externalEngine) return externalAs(externalEngine, options);
  const e = await startEngine({ port: 0, host: '127.0.0.1', ...options });
  engines.add(e);
  return e;
}

function externalAs(ext: ExternalEngine, options: EngineOptions): RunningEngine {
  const unsupported = Object.keys(options).filter((k) => k !== 'listeners');
  if (unsupported.length > 0) {
    throw new Error(`engine({ ${unsupported.join(', ')} }) needs the reference engine; skip the test with referenceOnly() against an external one`);
  }
  const trusted = { url: ext.url, port: ext.port, host: new URL(ext.url).hostname, rbac: false };
  const listeners = (options.listeners ?? [{ port: 0 }]).map(({ port: _port, host: _host, ...l }) => {
    if (!l.rbac && !l.middleware_function_id) return trusted;
    if (isDeepStrictEqual(l, HOOKS_LISTENER)) {
      if (!ext.hooksUrl) throw new Error('III_TEST_ENGINE_HOOKS_URL is not set; skip first (externalHooksUrl())');
      const u = new URL(ext.hooksUrl);
      return { url: ext.hooksUrl, port: Number(u.port), host: u.hostname, rbac: true };
    }
    const hooks = l.rbac?.on_function_registration_function_id ?? l.rbac?.on_trigger_registration_function_id ?? l.rbac?.on_trigger_type_registration_function_id;
    if (l.rbac?.auth_function_id !== AUTH_FUNCTION_ID || l.middleware_function_id || hooks) {
      throw new Error(`the external engine's listeners are docs/real-engine.config.yaml's; this listener config is none of them: ${JSON.stringify(l)}`);
    }
    if (!ext.rbacUrl) throw new Error('III_TEST_ENGINE_RBAC_URL is not set; skip RBAC tests first (externalRbacUrl())');
    const u = new URL(ext.rbacUrl);
    return { url: ext.rbacUrl, port: Number(u.port), host: u.hostname, rbac: true };
  });
  // Nothing to close: the engine is not ours.
  const close = async (): Promise<void> => undefined;
  return {
    url: listeners[0]!.url,
    port: listeners[0]!.port,
    rbacUrl: listeners.find((l) => l.rbac)?.url,
    listeners,
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** A worker with test-friendly defaults: fast reconnects, quiet logs. */
export function worker(url: string, options: InitOptions = {}): III {
  const w = registerWorker(url, {
    workerName: uniqueName(),
    logLevel: 'silent',
    reconnect: { initialDelayMs: 50, maxDelayMs: 200, jitter: 0 },
    ...options,
  });
  workers.add(w);
  return w;
}

export async function cleanup(): Promise<void> {
  await Promise.all([...workers].map((w) => within(w.shutdown(), 3000, 'shutdown')));
  workers.clear();
  await Promise.all([...engines].map((e) => within(e.close(), 3000, 'engine close')));
  engines.clear();
}

export function forget(e: RunningEngine): void {
  engines.delete(e);
}

/** Rejects when `promise` does not settle within `ms`. */
export function within<T>(promise: Promise<T>, ms: number, label = 'operation'): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${label} did not settle within ${ms}ms`)), ms);
    }),
  ]);
}

/** Polls `check` until it returns a truthy value, or fails after `ms`. */
export async function waitFor<T>(check: () => T | Promise<T>, ms = 5000, label = 'condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${label} not reached within ${ms}ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Registers on `w`, then waits until the engine lists the function (registration has no ack, §3.2). */
export async function registered(caller: III, functionId: string, ms = 3000): Promise<void> {
  await waitFor(async () => (await caller.listFunctions({ include_internal: true, withFormats: false })).some((f) => f.function_id === functionId), ms, `${functionId} listed`);
}

/** Settles to the rejection reason (or fails the test if it resolves). */
export async function rejection(promise: Promise<unknown>, ms = 5000): Promise<any> {
  try {
    await within(promise, ms, 'call');
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}
