/**
 * The secrets scenario of the conformance suite (issue 10 item 8), runtime-neutral: it runs
 * unchanged in Node, Chromium, Deno, Bun and workerd against the SDK entry it is given.
 *
 * A query token on the engine address and an upgrade header value are secrets: neither may appear
 * in any error message, `cause`, `stack`, `state` event, other event, console line, inspection
 * (`util.inspect` / `Deno.inspect` / `Bun.inspect` where the runtime has one, else a walk of own
 * properties) or `JSON.stringify` of the client or of an error. The scenario provokes every
 * connection failure a user meets: a refused port, an endpoint that is not a WebSocket (the
 * orchestrator's HTTP control endpoint), credentials the engine refuses (with onAuthError 'stop'
 * and 'retry'), an address that is not a ws:// URL, a call that never reaches an engine, and
 * retries exhausted. It records every output, then counts the secrets in them.
 */
/** The part of the suite's `ConformanceConfig` the scenario uses (not imported: suite.ts imports this file). */
export interface SecretsConfig {
  /** The RBAC listener; its auth function refuses `deny-…` tokens. */
  rbacUrl: string;
  /** An HTTP endpoint that is not a WebSocket one (the orchestrator's control endpoint). */
  controlUrl: string;
  engineUrl: string;
}

export interface SecretsFinding {
  /** Where the secret was seen (e.g. `refused: state event 3 error.message`). */
  where: string;
  /** How many times, in that output. */
  count: number;
  excerpt: string;
}

export interface SecretsReport {
  /** Per output, the most times a secret shows in one of its renderings; summed. */
  occurrences: number;
  /** Outputs that show a secret in at least one rendering. */
  leaks: number;
  outputs: number;
  findings: SecretsFinding[];
}

type Recorder = (where: string, value: unknown) => void;

const CONSOLE_METHODS = ['debug', 'info', 'log', 'warn', 'error', 'trace'] as const;

function randomHex(n: number): string {
  const bytes = new Uint8Array(n);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The runtime's own inspector where it has one (what a developer sees in a console or a log). */
function runtimeInspect(): ((value: unknown) => string) | undefined {
  const g = globalThis as Record<string, any>;
  if (typeof g.Deno?.inspect === 'function') return (v) => g.Deno.inspect(v, { depth: 8, showHidden: true });
  if (typeof g.Bun?.inspect === 'function') return (v) => g.Bun.inspect(v, { depth: 8 });
  const util = typeof g.process?.getBuiltinModule === 'function' ? g.process.getBuiltinModule('node:util') : undefined;
  if (typeof util?.inspect === 'function') return (v) => util.inspect(v, { depth: 8, showHidden: true });
  return undefined;
}

/** Own properties (enumerable or not), to `depth`, as text: the inspection of runtimes without one. */
function walk(value: unknown, depth: number, seen = new Set<unknown>()): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' && typeof value !== 'function') return String(value);
  if (seen.has(value) || depth < 0) return '[seen]';
  seen.add(value);
  const parts: string[] = [];
  if (value instanceof Error) parts.push(`${value.name}: ${value.message}`, String(value.stack ?? ''));
  let keys: Array<string | symbol> = [];
  try {
    keys = Reflect.ownKeys(value as object);
  } catch {
    return '[unreadable]';
  }
  for (const key of keys) {
    let v: unknown;
    try {
      v = (value as Record<string | symbol, unknown>)[key];
    } catch {
      continue;
    }
    parts.push(`${String(key)}=${walk(v, depth - 1, seen)}`);
  }
  return parts.join(' ');
}

/** Every text a user can get out of `value`. */
function texts(value: unknown, inspect: ((v: unknown) => string) | undefined): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const add = (label: string, f: () => unknown) => {
    try {
      const t = f();
      if (t !== undefined && t !== null) out.push([label, String(t)]);
    } catch {
      // a getter that throws, a cyclic JSON: nothing shown to the user either
    }
  };
  if (typeof value === 'string') {
    out.push(['text', value]);
    return out;
  }
  add('String()', () => String(value));
  add('JSON.stringify', () => JSON.stringify(value));
  add('own properties', () => walk(value, 6));
  if (inspect) add('inspect', () => inspect(value));
  // The cause chain, one level at a time (a cause may not be an Error).
  let e: unknown = value;
  for (let i = 0; i < 8 && e && typeof e === 'object'; i++) {
    const err = e as { message?: unknown; stack?: unknown; cause?: unknown; code?: unknown };
    add(`cause[${i}].message`, () => err.message);
    add(`cause[${i}].stack`, () => err.stack);
    e = err.cause;
  }
  return out;
}

function occurrences(text: string, needle: string): number {
  let n = 0;
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length)) n++;
  return n;
}

/** Resolves to what `promise` settled with, or `undefined` after `ms`. */
function settled(promise: Promise<unknown>, ms: number): Promise<unknown> {
  return Promise.race([promise.then((v) => v, (e: unknown) => e), sleep(ms).then(() => undefined)]);
}

/** A client under observation: every event it emits is recorded. */
function observed(sdk: any, url: string, options: Record<string, unknown>, label: string, record: Recorder): any {
  let client: any;
  try {
    client = sdk.registerWorker(url, options);
  } catch (error) {
    record(`${label}: registerWorker threw`, error);
    return undefined;
  }
  let n = 0;
  for (const event of ['state', 'error', 'auth-error', 'fatal', 'protocol-error', 'connected']) {
    client.on(event, (payload: unknown) => record(`${label}: '${event}' event ${++n}`, payload));
  }
  client.addConnectionStateListener((state: string, change: unknown) => record(`${label}: state listener (${state})`, change));
  return client;
}

export async function runSecretsScenario(sdk: any, config: SecretsConfig, runtime: string): Promise<SecretsReport> {
  const token = `SECRETQ${randomHex(8)}`;
  const headerValue = `SECRETH${randomHex(8)}`;
  const secrets = [token, headerValue];
  const inspect = runtimeInspect();
  const outputs: Array<[string, unknown]> = [];
  const record: Recorder = (where, value) => outputs.push([where, value]);
  const canSendHeaders = runtime !== 'browser';

  // Console lines (the SDK's log mirror, at debug level so that every line it can print is seen).
  const con = globalThis.console as unknown as Record<string, (...args: unknown[]) => void>;
  const original = new Map(CONSOLE_METHODS.map((m) => [m, con[m]]));
  for (const m of CONSOLE_METHODS) con[m] = (...args: unknown[]) => args.forEach((a, i) => record(`console.${m} argument ${i}`, a));
  const clients: any[] = [];
  try {
    const base = (label: string) => ({
      workerName: `secrets-${runtime}-${label}`,
      logLevel: 'debug',
      invocationTimeoutMs: 1500,
      handshakeTimeoutMs: 2000,
      heartbeat: false,
      reconnect: { initialDelayMs: 50, maxDelayMs: 100, jitter: 0, maxRetries: 4, minUptimeMs: 0 },
      headers: { authorization: `Bearer ${headerValue}`, 'x-api-key': headerValue },
    });

    // 1. Arguments: an address that is not a ws:// URL, and (browser) headers it cannot send.
    for (const [label, url] of [
      ['not ws', `http://127.0.0.1:1/?token=${token}`],
      ['bad port', `ws://127.0.0.1:99999/?token=${token}`],
    ] as const) {
      const c = observed(sdk, url, { ...base(label), headers: undefined }, label, record);
      if (c) clients.push(c);
    }
    if (!canSendHeaders) {
      const c = observed(sdk, `${config.engineUrl}/?token=${token}`, base('headers in a browser'), 'headers in a browser', record);
      if (c) clients.push(c);
    }

    // 2. Connection failures, each with a call and ready(), until the retries run out.
    const failing: Array<[string, string, Record<string, unknown>]> = [
      ['refused', `ws://127.0.0.1:1/?token=${token}`, {}],
      ['not a websocket endpoint', `${config.controlUrl.replace(/^http/, 'ws')}/?token=${token}`, {}],
      ['auth refused (stop)', `${config.rbacUrl}/?token=deny-${token}`, { onAuthError: 'stop' }],
      ['auth refused (retry)', `${config.rbacUrl}/?token=deny-${token}`, { onAuthError: 'retry' }],
    ];
    await Promise.all(
      failing.map(async ([label, url, extra]) => {
        const options = { ...base(label), ...extra };
        if (!canSendHeaders) delete (options as { headers?: unknown }).headers;
        const c = observed(sdk, url, options, label, record);
        if (!c) return;
        clients.push(c);
        const call = c.trigger({ function_id: 'secrets::never', payload: { x: 1 }, timeoutMs: 1500 });
        call.catch(() => undefined);
        record(`${label}: ready({timeoutMs}) outcome`, await settled(c.ready({ timeoutMs: 1500 }), 2500));
        record(`${label}: call outcome`, await settled(call, 2500));
        // Retries run out (maxRetries 4) or the policy stops the client.
        for (let i = 0; i < 40 && c.connectionState !== 'failed'; i++) await sleep(50);
        record(`${label}: getFatalError()`, c.getFatalError());
        record(`${label}: the client`, c);
        record(`${label}: ready() after`, await settled(c.ready(), 500));
      }),
    );
    for (const c of clients) record('the client at the end', c);
  } finally {
    await Promise.all(clients.map((c) => settled(Promise.resolve().then(() => c.shutdown()), 3000)));
    for (const m of CONSOLE_METHODS) con[m] = original.get(m)!;
  }

  const findings: SecretsFinding[] = [];
  let total = 0;
  let leaks = 0;
  for (const [where, value] of outputs) {
    let most = 0;
    for (const [how, text] of texts(value, inspect)) {
      for (const secret of secrets) {
        const n = occurrences(text, secret);
        if (n === 0) continue;
        most = Math.max(most, n);
        const at = text.indexOf(secret);
        findings.push({ where: `${where} → ${how}`, count: n, excerpt: text.slice(Math.max(0, at - 60), at + secret.length + 20).replace(/\s+/g, ' ') });
      }
    }
    total += most;
    if (most > 0) leaks++;
  }
  return { occurrences: total, leaks, outputs: outputs.length, findings };
}
