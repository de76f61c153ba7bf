// Which engine the raw-frame tests talk to: a reference engine started per test, or the external
// engine of `III_TEST_ENGINE_URL` (test/external-engine.ts, docs/real-engine.md). Against an
// external engine a test gets its listeners only when they are ones the external engine's config
// declares (docs/real-engine.config.yaml): one trusted listener, the RBAC listener whose auth
// function is `test::auth`, the listener with middleware and hooks. Anything else (engine
// options, other listener configs) is something only the reference engine can be started with:
// the test is skipped with that reason, printed by vitest.
import { isDeepStrictEqual } from 'node:util';
import { beforeEach } from 'vitest';
import type { EngineOptions, ListenerConfig, RunningEngine } from '../index';
import { DEFAULT_CHANNEL_ORPHAN_TTL_MS, DEFAULT_CHANNEL_SWEEP_MS, DEFAULT_FUNCTIONS_POLL_MS, DEFAULT_GRACE_MS } from '../options';
import { AUTH_FUNCTION_ID, ENV, HOOKS_LISTENER, externalEngine, needsReference, type ExternalEngine } from '../../external-engine';

export { externalEngine, needsReference };

/** Options the harness adds to every engine it starts; an external engine has its own. */
const HARNESS_KEYS = new Set(['host', 'port']);
/**
 * Engine options a test may name at their default, which both engines share (a test names one to
 * be independent of the reference engine's environment overrides).
 */
const SHARED_DEFAULTS: Record<string, unknown> = {
  registrationGraceMs: DEFAULT_GRACE_MS,
  functionsAvailablePollMs: DEFAULT_FUNCTIONS_POLL_MS,
  channelOrphanTtlMs: DEFAULT_CHANNEL_ORPHAN_TTL_MS,
  channelSweepIntervalMs: DEFAULT_CHANNEL_SWEEP_MS,
};

/** A listener config without the address keys the harness or the test chose. */
function shape(l: ListenerConfig): Omit<ListenerConfig, 'host' | 'port'> {
  const { host: _host, port: _port, ...rest } = l;
  return rest;
}

type Mapped = { url: string; rbac: boolean } | { skip: string };

function mapListener(ext: ExternalEngine, l: ListenerConfig): Mapped {
  const s = shape(l);
  if (Object.keys(s).length === 0) return { url: ext.url, rbac: false };
  if (isDeepStrictEqual(s, HOOKS_LISTENER)) {
    return ext.hooksUrl ? { url: ext.hooksUrl, rbac: true } : { skip: `${ENV.hooksUrl} is not set: the external engine's listener with middleware and hooks is unknown` };
  }
  if (isDeepStrictEqual(s, { rbac: { auth_function_id: AUTH_FUNCTION_ID } })) {
    return ext.rbacUrl ? { url: ext.rbacUrl, rbac: true } : { skip: `${ENV.rbacUrl} is not set: the external engine's RBAC listener is unknown` };
  }
  return { skip: needsReference(`a listener configured by the test (${JSON.stringify(s)})`)! };
}

/**
 * The external engine as the `RunningEngine` a test asked for, or the reason the test must skip.
 * Its `close()` does nothing: the engine is not the test's.
 */
export function externalAs(ext: ExternalEngine, options: EngineOptions): RunningEngine | { skip: string } {
  if (options.log) return { skip: needsReference("reads the engine's log lines")! };
  const engineOptions = Object.entries(options)
    .filter(([k, v]) => !HARNESS_KEYS.has(k) && k !== 'listeners' && k !== 'log' && !(k in SHARED_DEFAULTS && SHARED_DEFAULTS[k] === v))
    .map(([k]) => k);
  if (engineOptions.length > 0) return { skip: needsReference(`started with ${engineOptions.join(', ')}`)! };
  const wanted = options.listeners ?? [{}];
  if (wanted.filter((l) => Object.keys(shape(l)).length === 0).length > 1) {
    return { skip: needsReference('two trusted listeners (the external engine has one)')! };
  }
  const listeners = [];
  for (const l of wanted) {
    const m = mapListener(ext, l);
    if ('skip' in m) return m;
    const u = new URL(m.url);
    listeners.push({ url: m.url, port: Number(u.port), host: u.hostname, rbac: m.rbac });
  }
  const close = async (): Promise<void> => undefined;
  return {
    url: listeners[0]!.url,
    rbacUrl: listeners.find((l) => l.rbac)?.url,
    port: listeners[0]!.port,
    listeners,
    close,
    [Symbol.asyncDispose]: close,
  };
}

/**
 * Skips every test of the file against an external engine, with `reason` printed: for the files
 * that test the reference engine itself (its CLI, `startEngine()`, its process's memory).
 */
export function referenceEngineOnly(reason: string): void {
  beforeEach((ctx) => {
    const why = needsReference(reason);
    if (why) ctx.skip(why);
  });
}
