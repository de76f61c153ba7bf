/**
 * `InitOptions` of `registerWorker`, their documented defaults (a `DEFAULT_*` constant each), and the one
 * place they are validated (a bad option throws at `registerWorker`, never later; the checks that
 * need more than a type test are in option-checks.ts).
 */
import { optionalName } from './arguments.js';
import type { LogLevel } from './logger.js';
import { addressProblem, checkHeaders, checkKeys, fromIiiSdk, OPTION_KEYS } from './option-checks.js';
import type { Platform, WebSocketConstructor } from './platform.js';

/** Reconnect backoff (§3.10); the session's backoff.ts applies it. */
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

/** `iii-sdk`'s reconnect fields (its `IIIReconnectionConfig`), accepted as `reconnectionConfig`. */
export interface IIIReconnectionConfig {
  initialDelayMs: number;
  maxDelayMs: number;
  /** Our `multiplier`. */
  backoffMultiplier: number;
  /** Our `jitter`. */
  jitterFactor: number;
  /** `-1` for no limit (our `Infinity`). */
  maxRetries: number;
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
 * @default 16 MiB (16,777,216 bytes): the engine's limit for one frame (tungstenite 0.29's
 * `max_frame_size`, protocol.md §2.1). The engine drops a larger frame together with the
 * connection, failing every call on it; this SDK refuses such a frame before sending it.
 */
export const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/**
 * What to do when the engine refuses the credentials (`{"type":"error","error":{"code":"AUTH_ERROR"}}`, §1.3):
 * `'retry'` keeps reconnecting with backoff, and queued calls keep waiting, up to their own
 * timeout (then `ENGINE_UNREACHABLE`, with the refusal as the cause): the engine also refuses
 * while its auth function is briefly away. `'stop'` makes the client `failed` at once and
 * rejects every call `AUTH_ERROR`.
 */
export type AuthErrorPolicy = 'retry' | 'stop';

/** W3C trace-context hook; this SDK has no OpenTelemetry dependency. */
export interface TracePropagator {
  /** Trace context to attach to an outbound call (`traceparent`/`baggage` on `invokefunction`). */
  inject?(): { traceparent?: string; baggage?: string } | undefined;
  /** Runs a handler inside the trace context the engine delivered with its invocation. */
  extract?<T>(carrier: { traceparent?: string; baggage?: string }, run: () => T): T;
}

/**
 * Gives the engine address for the next connection attempt; `registerWorker` takes one in place
 * of a fixed address. Called before every attempt, the first included, and awaited when it returns
 * a promise (at most `handshakeTimeoutMs`): the way to put a fresh token in the query of each
 * attempt, since credentials travel only in the upgrade request (§1.3). A throw, a rejection or
 * an answer that is not a ws:// or wss:// URL fails that attempt, which is retried with the
 * backoff of `reconnect`.
 */
export type AddressSupplier = () => string | PromiseLike<string>;

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
  /**
   * Largest frame this worker sends: a call's request or a handler's result over it is refused
   * with `PAYLOAD_TOO_LARGE` instead (use a channel for big data). @default DEFAULT_MAX_MESSAGE_BYTES
   */
  maxMessageBytes?: number;
  /**
   * Send a call again, until its timeout, while the engine answers that it was not delivered
   * (`function_not_found`, `channel_send_failed`: no handler ran), e.g. while the worker that
   * provides the function reconnects. `false`: reject at once. Per call: `TriggerRequest.retryUndelivered`.
   * @default true
   */
  retryUndelivered?: boolean;
  /**
   * Send a failing handler's stack trace to its caller. Off by default: the caller may be an
   * untrusted browser tab, and a stack shows file paths and code. The worker logs it either way.
   * @default false
   */
  sendStackTraces?: boolean;
  /** `iii-sdk`'s name for `reconnect` (`backoffMultiplier` → `multiplier`, `jitterFactor` → `jitter`, `maxRetries: -1` → Infinity). */
  reconnectionConfig?: Partial<IIIReconnectionConfig>;
  /** Accepted from `iii-sdk`; this SDK has no OpenTelemetry: `false` or `{ enabled: false }` is a no-op, anything else logs a warning. */
  otel?: false | { enabled?: boolean; [key: string]: unknown };
  /** Accepted from `iii-sdk`; no metrics are reported: `false` is a no-op, `true` logs a warning. */
  enableMetricsReporting?: boolean;
}

export interface ResolvedOptions {
  address: string | AddressSupplier;
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
  maxMessageBytes: number;
  retryUndelivered: boolean;
  sendStackTraces: boolean;
  /** What the client logs once at start (options accepted but without effect). */
  warnings: string[];
}

const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'];

function flag(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new TypeError(`${name} must be true or false, got ${String(value)}`);
  return value;
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

/** An env var, or undefined when unset or blank: `FOO=` is how a shell says "not set". */
function fromEnv(platform: Platform, name: string): string | undefined {
  const value = platform.env(name);
  return value === undefined || value.trim() === '' ? undefined : value;
}

export function resolveOptions(platform: Platform, address: string | AddressSupplier | undefined, given: InitOptions = {}): ResolvedOptions {
  if (given === null || typeof given !== 'object') throw new TypeError('registerWorker(address, options): options must be an object');
  checkKeys('registerWorker', given, OPTION_KEYS);
  const { options, warnings } = fromIiiSdk(given as Record<string, unknown>);
  const o = options as InitOptions;
  const addr = address ?? fromEnv(platform, 'III_URL') ?? DEFAULT_ADDRESS;
  // A function's answers are checked per attempt (session/address.ts).
  const problem = typeof addr === 'function' ? undefined : addressProblem(addr);
  if (problem) throw new TypeError(`invalid engine address ${problem}`);
  if (o.WebSocket !== undefined && typeof o.WebSocket !== 'function') throw new TypeError(`WebSocket must be a constructor, got ${typeof o.WebSocket}`);
  if (o.headers !== undefined) checkHeaders(o.headers);
  if (o.headers !== undefined && !platform.supportsHeaders && !o.WebSocket) {
    throw new TypeError(
      `InitOptions.headers: the ${platform.name} runtime cannot send WebSocket upgrade headers. ` +
        'Put the credential in the URL query instead, e.g. registerWorker("wss://engine.example/?token=…").',
    );
  }
  const namespace = optionalName('namespace', o.namespace ?? fromEnv(platform, 'III_NAMESPACE'));
  const workerName =
    optionalName('workerName', o.workerName) ?? optionalName('III_WORKER_NAME', fromEnv(platform, 'III_WORKER_NAME')) ?? platform.runtimeInfo().defaultWorkerName();
  const r = o.reconnect ?? {};
  checkKeys('reconnect', r, Object.keys(DEFAULT_RECONNECT));
  if (o.heartbeat) checkKeys('heartbeat', o.heartbeat, Object.keys(DEFAULT_HEARTBEAT));
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
  const logLevel = o.logLevel ?? DEFAULT_LOG_LEVEL;
  if (!LOG_LEVELS.includes(logLevel)) throw new TypeError(`logLevel must be one of ${LOG_LEVELS.join(', ')}, got ${String(logLevel)}`);
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
    logLevel,
    onAuthError: policy,
    maxMessageBytes: positive('maxMessageBytes', o.maxMessageBytes, DEFAULT_MAX_MESSAGE_BYTES, false, true),
    retryUndelivered: flag('retryUndelivered', o.retryUndelivered, true),
    sendStackTraces: flag('sendStackTraces', o.sendStackTraces, false),
    warnings,
  };
}
