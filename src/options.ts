/**
 * `InitOptions` of `registerWorker`, their documented defaults (PRACTICES.md 14), and the one
 * place they are validated (a bad option throws at `registerWorker`, never later).
 */
import { optionalName } from './arguments.js';
import type { LogLevel } from './logger.js';
import type { Platform, WebSocketConstructor } from './platform.js';

/** Reconnect backoff (§3.10, PRACTICES.md 7); the session's backoff.ts applies it. */
export interface ReconnectOptions {
  /** Delay before the first retry. @default 1000 */
  initialDelayMs: number;
  /** Upper bound of any delay (before jitter). @default 30000 */
  maxDelayMs: number;
  /** Growth factor per failed attempt. @default 2 */
  multiplier: number;
  /** Random spread, as a fraction of the delay: 0.3 → ±30 %. @default 0.3 */
  jitter: number;
  /** Retries before the client gives up (state `failed`). @default Infinity */
  maxRetries: number;
  /**
   * A connection must stay registered this long before a drop resets the backoff; a socket
   * that dies right after opening keeps growing the delay instead of hammering the engine.
   * @default 5000
   */
  minUptimeMs: number;
}

/** App-level liveness (§3.10); the session's liveness.ts applies it. */
export interface HeartbeatOptions {
  /** How often a JSON `{"type":"ping"}` is sent (the engine answers `pong`, §3.10). @default 20000 */
  intervalMs: number;
  /**
   * With no inbound frame for this long, and a ping left unanswered, the socket is presumed dead
   * and replaced. @default 60000
   */
  timeoutMs: number;
}

/** Engine address when neither the argument nor env `III_URL` gives one (§1.1). */
export const DEFAULT_ADDRESS = 'ws://127.0.0.1:49134';
/** @default 30000 — as the official SDKs (§3.5). */
export const DEFAULT_INVOCATION_TIMEOUT_MS = 30_000;
/** @default 10000 — from dial to `workerregistered`, mirroring the engine's own handshake limit (§3.5). */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;
/** @default { initialDelayMs: 1000, maxDelayMs: 30000, multiplier: 2, jitter: 0.3, maxRetries: Infinity, minUptimeMs: 5000 } (§3.10) */
export const DEFAULT_RECONNECT: Readonly<ReconnectOptions> = Object.freeze({
  initialDelayMs: 1000,
  maxDelayMs: 30_000,
  multiplier: 2,
  jitter: 0.3,
  maxRetries: Infinity,
  minUptimeMs: 5000,
});
/** @default { intervalMs: 20000, timeoutMs: 60000 } — the Node SDK's timings, as JSON pings (§3.10). */
export const DEFAULT_HEARTBEAT: Readonly<HeartbeatOptions> = Object.freeze({ intervalMs: 20_000, timeoutMs: 60_000 });
/** @default 'info' */
export const DEFAULT_LOG_LEVEL: LogLevel = 'info';
/** @default 'retry' — the engine also answers AUTH_ERROR when the auth function is briefly unreachable (§1.3). */
export const DEFAULT_ON_AUTH_ERROR: AuthErrorPolicy = 'retry';

/**
 * What to do when the engine refuses the credentials (`{"type":"error","error":{"code":"AUTH_ERROR"}}`, §1.3):
 * `'retry'` keeps reconnecting with backoff (pending calls are rejected with the auth error
 * each time, rather than timing out); `'stop'` makes the client `failed` at once.
 */
export type AuthErrorPolicy = 'retry' | 'stop';

/** W3C trace-context hook; this SDK has no OpenTelemetry dependency. */
export interface TracePropagator {
  /** Trace context to attach to an outbound call (`traceparent`/`baggage` on `invokefunction`). */
  inject?(): { traceparent?: string; baggage?: string } | undefined;
  /** Runs a handler inside the trace context the engine delivered with its invocation. */
  extract?<T>(carrier: { traceparent?: string; baggage?: string }, run: () => T): T;
}

export interface InitOptions {
  /** Worker name announced to the engine (§1.2). @default env `III_WORKER_NAME`, else the platform's default (`<hostname>:<pid>` on Node) */
  workerName?: string;
  /** One-line summary shown by `engine::workers::list`. */
  workerDescription?: string;
  /** Connection namespace (§3.8). @default env `III_NAMESPACE`, else the engine's `default` */
  namespace?: string;
  /** Upgrade headers (credentials). Not available in browsers: put the token in the URL query. */
  headers?: Record<string, string>;
  /** @default 30000 */
  invocationTimeoutMs?: number;
  /** @default DEFAULT_RECONNECT */
  reconnect?: Partial<ReconnectOptions>;
  /** App-level JSON ping/pong liveness, or `false` to disable. @default DEFAULT_HEARTBEAT */
  heartbeat?: Partial<HeartbeatOptions> | false;
  /** @default 10000 */
  handshakeTimeoutMs?: number;
  /** Minimum level mirrored to the console and sent by `client.logger`. @default 'info' */
  logLevel?: LogLevel;
  /** A WebSocket constructor used instead of the platform's transport. */
  WebSocket?: WebSocketConstructor;
  /** @default 'retry' */
  onAuthError?: AuthErrorPolicy;
  /** Trace-context hook for `traceparent`/`baggage`. */
  propagator?: TracePropagator;
}

export interface ResolvedOptions {
  address: string;
  workerName: string;
  workerDescription?: string | undefined;
  namespace: string | undefined;
  headers?: Record<string, string> | undefined;
  invocationTimeoutMs: number;
  reconnect: ReconnectOptions;
  heartbeat: HeartbeatOptions | false;
  handshakeTimeoutMs: number;
  logLevel: LogLevel;
  WebSocket?: WebSocketConstructor | undefined;
  onAuthError: AuthErrorPolicy;
  propagator?: TracePropagator | undefined;
}

function positive(name: string, value: number | undefined, fallback: number, allowZero = false, allowInfinity = false): number {
  if (value === undefined) return fallback;
  if (
    typeof value !== 'number' ||
    Number.isNaN(value) ||
    value < 0 ||
    (!allowZero && value === 0) ||
    (!allowInfinity && !Number.isFinite(value))
  ) {
    throw new TypeError(`${name} must be a ${allowZero ? 'non-negative' : 'positive'} number, got ${String(value)}`);
  }
  return value;
}

export function resolveOptions(platform: Platform, address: string | undefined, o: InitOptions = {}): ResolvedOptions {
  const addr = address ?? platform.env('III_URL') ?? DEFAULT_ADDRESS;
  try {
    const u = new URL(addr);
    if (u.protocol !== 'ws:' && u.protocol !== 'wss:') throw new Error('scheme');
  } catch {
    throw new TypeError(`invalid engine address "${addr}": expected a ws:// or wss:// URL`);
  }
  if (o.headers !== undefined && !platform.supportsHeaders && !o.WebSocket) {
    throw new TypeError(
      `InitOptions.headers: the ${platform.name} runtime cannot send WebSocket upgrade headers. ` +
        'Put the credential in the URL query instead, e.g. registerWorker("wss://engine.example/?token=…").',
    );
  }
  const namespace = optionalName('namespace', o.namespace ?? platform.env('III_NAMESPACE'));
  const workerName =
    optionalName('workerName', o.workerName) ?? optionalName('III_WORKER_NAME', platform.env('III_WORKER_NAME')) ?? platform.runtimeInfo().defaultWorkerName();
  const r = o.reconnect ?? {};
  // Table-driven, in the order of DEFAULT_RECONNECT: every delay and the jitter may be 0, only
  // the multiplier must be positive, and only maxRetries may be Infinity.
  const reconnect = {} as ReconnectOptions;
  for (const key of Object.keys(DEFAULT_RECONNECT) as (keyof ReconnectOptions)[]) {
    reconnect[key] = positive(`reconnect.${key}`, r[key], DEFAULT_RECONNECT[key], key !== 'multiplier', key === 'maxRetries');
  }
  if (reconnect.jitter > 1) throw new TypeError('reconnect.jitter must be between 0 and 1');
  let heartbeat: HeartbeatOptions | false = false;
  if (o.heartbeat !== false) {
    heartbeat = {} as HeartbeatOptions;
    for (const key of Object.keys(DEFAULT_HEARTBEAT) as (keyof HeartbeatOptions)[]) {
      heartbeat[key] = positive(`heartbeat.${key}`, o.heartbeat?.[key], DEFAULT_HEARTBEAT[key]);
    }
  }
  const policy = o.onAuthError ?? DEFAULT_ON_AUTH_ERROR;
  if (policy !== 'retry' && policy !== 'stop') throw new TypeError(`onAuthError must be 'retry' or 'stop', got ${String(policy)}`);
  return {
    // The options kept as given (workerDescription, headers, WebSocket, propagator), then the
    // resolved ones.
    ...o,
    address: addr,
    workerName,
    namespace,
    // Infinity (or anything past the timer range) means "no client-side timeout".
    invocationTimeoutMs: positive('invocationTimeoutMs', o.invocationTimeoutMs, DEFAULT_INVOCATION_TIMEOUT_MS, false, true),
    reconnect,
    heartbeat,
    handshakeTimeoutMs: positive('handshakeTimeoutMs', o.handshakeTimeoutMs, DEFAULT_HANDSHAKE_TIMEOUT_MS),
    logLevel: o.logLevel ?? DEFAULT_LOG_LEVEL,
    onAuthError: policy,
  };
}
