/**
 * The one switch between the reference engine (`test/engine`, started by each suite) and an
 * external engine given by URL, such as the real iii engine (docs/real-engine.md):
 *
 *   III_TEST_ENGINE_URL        the external engine's trusted listener (ws://…); set = external
 *   III_TEST_ENGINE_RBAC_URL   its RBAC listener (auth function {@link AUTH_FUNCTION_ID})
 *   III_TEST_ENGINE_HOOKS_URL  its RBAC listener with middleware and hooks ({@link HOOKS_LISTENER})
 *   III_TEST_ENGINE_HTTP_URL   its `iii-http` server (http://…), for the `http` trigger tests
 *
 * Every engine-facing suite (test/node, test/channels, the conformance runners, the README
 * examples, the pack check, the demo's Playwright specs) asks this module which engine to use (the
 * benchmarks take `--engine-url` instead, test/bench/run.ts); a
 * test that needs something only the reference engine offers skips with the reason, through
 * {@link referenceOnly} or {@link needsReference}. Node only (it reads `process.env`); the
 * conformance suite that runs inside other runtimes gets what it needs in its config.
 */

export const ENV = {
  url: 'III_TEST_ENGINE_URL',
  rbacUrl: 'III_TEST_ENGINE_RBAC_URL',
  hooksUrl: 'III_TEST_ENGINE_HOOKS_URL',
  httpUrl: 'III_TEST_ENGINE_HTTP_URL',
} as const;

/**
 * The auth function id of the RBAC listener, on both engines: an external engine's RBAC listener
 * must be configured with it (docs/real-engine.config.yaml), and every suite that serves auth
 * registers it under this id.
 */
export const AUTH_FUNCTION_ID = 'test::auth';

/**
 * The listener with middleware and registration hooks (protocol.md §3.15), as the reference engine
 * is given it and as docs/real-engine.config.yaml declares it on port 49136.
 */
export const HOOKS_LISTENER = {
  middleware_function_id: 'test::middleware',
  rbac: {
    auth_function_id: AUTH_FUNCTION_ID,
    on_function_registration_function_id: 'test::on-function-registration',
    on_trigger_registration_function_id: 'test::on-trigger-registration',
    on_trigger_type_registration_function_id: 'test::on-trigger-type-registration',
    expose_functions: ['match("pub::*")'],
  },
};

export interface ExternalEngine {
  /** Trusted listener, `ws://host:port` (no trailing slash). */
  url: string;
  /** Port of the trusted listener (for proxies placed in front of it). */
  port: number;
  /** RBAC listener, when given. */
  rbacUrl: string | undefined;
  /** RBAC listener with middleware and hooks ({@link HOOKS_LISTENER}), when given. */
  hooksUrl: string | undefined;
  /** `iii-http` base URL, when given. */
  httpUrl: string | undefined;
}

function parseUrl(name: string, raw: string, protocols: string[]): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`${name}=${JSON.stringify(raw)} is not a URL; expected e.g. ${protocols[0]}//127.0.0.1:49199`);
  }
  if (!protocols.includes(url.protocol)) {
    throw new Error(`${name}=${raw} must start with ${protocols.map((p) => `${p}//`).join(' or ')}`);
  }
  return url;
}

function trimSlash(url: URL): string {
  return url.href.replace(/\/$/, '');
}

/** Reads the external engine from an environment; `undefined` when `III_TEST_ENGINE_URL` is unset or blank. */
export function readExternalEngine(env: Record<string, string | undefined>): ExternalEngine | undefined {
  const raw = env[ENV.url]?.trim();
  if (!raw) {
    for (const other of [ENV.rbacUrl, ENV.hooksUrl, ENV.httpUrl]) {
      if (env[other]?.trim()) throw new Error(`${other} is set but ${ENV.url} is not: set both to test an external engine`);
    }
    return undefined;
  }
  const url = parseUrl(ENV.url, raw, ['ws:', 'wss:']);
  const optionalWs = (name: string) => {
    const raw = env[name]?.trim();
    return raw ? trimSlash(parseUrl(name, raw, ['ws:', 'wss:'])) : undefined;
  };
  const httpRaw = env[ENV.httpUrl]?.trim();
  const defaultPort = url.protocol === 'wss:' ? 443 : 80;
  return {
    url: trimSlash(url),
    port: url.port ? Number(url.port) : defaultPort,
    rbacUrl: optionalWs(ENV.rbacUrl),
    hooksUrl: optionalWs(ENV.hooksUrl),
    httpUrl: httpRaw ? trimSlash(parseUrl(ENV.httpUrl, httpRaw, ['http:', 'https:'])) : undefined,
  };
}

/** The external engine of this process's environment, or `undefined` (then the suites start the reference engine). */
export const externalEngine: ExternalEngine | undefined = readExternalEngine(process.env);

/** A one-line name of the engine under test, for logs and reports. */
export function engineLabel(): string {
  return externalEngine ? `external engine at ${externalEngine.url}` : 'reference engine (test/engine)';
}

/** The reason a reference-only test is skipped against an external engine, or `undefined`. */
export function needsReference(reason: string): string | undefined {
  return externalEngine ? `needs the reference engine: ${reason}` : undefined;
}

/** Skips the current vitest test (printing the reason) when the engine is external. */
export function referenceOnly(ctx: { skip(note?: string): void }, reason: string): void {
  const why = needsReference(reason);
  if (why) ctx.skip(why);
}

/** The external RBAC listener; skips the test with the reason when none was given. */
export function externalRbacUrl(ctx: { skip(note?: string): void }): string {
  const engine = externalEngine;
  if (!engine) throw new Error('externalRbacUrl() called without an external engine');
  if (!engine.rbacUrl) ctx.skip(`${ENV.rbacUrl} is not set: the external engine's RBAC listener is unknown`);
  return engine.rbacUrl!;
}

/** Skips the current vitest test (printing the reason) unless an external engine is configured. */
export function externalOnly(ctx: { skip(note?: string): void }, what: string): ExternalEngine {
  if (!externalEngine) ctx.skip(`runs only against an external engine (${what}): set ${ENV.url}`);
  return externalEngine!;
}

/** The external engine's `iii-http` base URL; skips the test with the reason when none was given. */
export function externalHttpUrl(ctx: { skip(note?: string): void }): string {
  const engine = externalOnly(ctx, 'the http trigger is served by the real engine');
  if (!engine.httpUrl) ctx.skip(`${ENV.httpUrl} is not set: the external engine's iii-http address is unknown`);
  return engine.httpUrl!;
}

/** The external listener with middleware and hooks; skips the test with the reason when none was given. */
export function externalHooksUrl(ctx: { skip(note?: string): void }): string {
  const engine = externalEngine;
  if (!engine) throw new Error('externalHooksUrl() called without an external engine');
  if (!engine.hooksUrl) ctx.skip(`${ENV.hooksUrl} is not set: the external engine's listener with middleware and hooks is unknown`);
  return engine.hooksUrl!;
}
