// The engine's options: what `startEngine()` and the CLI's `--config` file accept, their
// defaults, and the settings the engine runs with once they are resolved. Listener and RBAC keys
// are snake_case, as in the real engine's `iii-worker-manager` config (protocol.md §1.1, §6.5).

/**
 * One `expose_functions` entry (§3.15): `match("glob")` (a bare string is a glob too), or a map
 * filter with `match` or `metadata` (all keys must match; a value `match("glob")` matches string
 * values) and an optional `namespace` (absent = `default` only).
 */
export type ExposeFunctionFilter = string | { match?: string; metadata?: Record<string, unknown>; namespace?: string };

/** A listener's `rbac` block (§1.3, §3.15). Every `*_function_id` names a worker's function in `default`. */
export interface RbacConfig {
  /** Called once per connection with `{headers, query_params, ip_address}`; returns an AuthResult (§1.3). */
  auth_function_id?: string;
  /** Hook on `registerfunction` (§3.15 "Hooks"); returning `{}` allows, anything else denies. */
  on_function_registration_function_id?: string;
  /** Hook on `registertrigger`. */
  on_trigger_registration_function_id?: string;
  /** Hook on `registertriggertype`. */
  on_trigger_type_registration_function_id?: string;
  /** What sessions of this listener may call beyond their grants (§3.15 rule 5). */
  expose_functions?: ExposeFunctionFilter[];
}

/** One `iii-worker-manager` listener (§1.1). */
export interface ListenerConfig {
  /** @default 0 (any free port) with `startEngine()`; the CLI defaults its first listener to 49134. */
  port?: number;
  /** @default '127.0.0.1' (the real engine binds 0.0.0.0; a test engine stays on loopback). */
  host?: string;
  /** Time a TCP connection gets to send its HTTP request headers. @default 10000 */
  handshake_timeout_ms?: number;
  /** Every allowed invoke of a non-builtin goes through this function instead (§3.15 "Middleware"). */
  middleware_function_id?: string;
  /** Absent: a trusted listener (everything allowed, no auth). */
  rbac?: RbacConfig;
}

/** The optional reference provider of `engine::queue::enqueue` (§3.6, §6.4). */
export interface QueueOptions {
  /** Queue names it accepts; any other name fails like the standalone queue worker does. */
  queues: string[];
  /** Delay before the enqueued function is invoked. @default 0 */
  deliveryDelayMs?: number;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFn = (level: LogLevel, message: string, data?: unknown) => void;

export interface EngineOptions {
  /** Port of the implicit trusted listener (ignored when `listeners` is given). @default 0 */
  port?: number;
  /** Host of the implicit listener, and of configured listeners that name none. @default '127.0.0.1' */
  host?: string;
  /** When given, replaces the implicit listener (§1.1); the first one is `url`. */
  listeners?: ListenerConfig[];
  /** Namespace grace period (§2.4 item 3); env `III_NAMESPACE_GRACE_MS` overrides. @default 5000 */
  registrationGraceMs?: number;
  /** Poll period of `engine::functions-available` (§3.7). @default 5000 */
  functionsAvailablePollMs?: number;
  /** Age after which a channel with a side never connected is removed (§4.5). @default 300000 */
  channelOrphanTtlMs?: number;
  /** Period of the orphan channel sweep (§4.5). @default 60000 */
  channelSweepIntervalMs?: number;
  /** Installs a reference `engine::queue::enqueue` provider; absent = no provider, as in the SDK test config. */
  queue?: QueueOptions;
  /** Engine log lines (frames dropped, handler failures). @default silent */
  log?: LogFn;
  /**
   * The engine is alone in its process (the CLI sets it): after frames of a MiB or more it
   * collects garbage more eagerly, and once more after a second without them, so the process
   * gives the memory back. Leave it off inside a test runner, whose heap would be collected too.
   * @default false
   */
  ownProcess?: boolean;
}

export const DEFAULT_ENGINE_PORT = 49134;
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10000;
export const DEFAULT_GRACE_MS = 5000;
export const DEFAULT_FUNCTIONS_POLL_MS = 5000;
export const DEFAULT_CHANNEL_ORPHAN_TTL_MS = 300000;
export const DEFAULT_CHANNEL_SWEEP_MS = 60000;

/** The options with every default applied. */
export interface EngineSettings {
  registrationGraceMs: number;
  functionsAvailablePollMs: number;
  channelOrphanTtlMs: number;
  channelSweepIntervalMs: number;
  queue: QueueOptions | undefined;
  log: LogFn;
  ownProcess: boolean;
}

function graceFromEnv(): number | undefined {
  const raw = process.env.III_NAMESPACE_GRACE_MS;
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

export function resolveSettings(options: EngineOptions): EngineSettings {
  return {
    registrationGraceMs: graceFromEnv() ?? options.registrationGraceMs ?? DEFAULT_GRACE_MS,
    functionsAvailablePollMs: options.functionsAvailablePollMs ?? DEFAULT_FUNCTIONS_POLL_MS,
    channelOrphanTtlMs: options.channelOrphanTtlMs ?? DEFAULT_CHANNEL_ORPHAN_TTL_MS,
    channelSweepIntervalMs: options.channelSweepIntervalMs ?? DEFAULT_CHANNEL_SWEEP_MS,
    queue: options.queue,
    log: options.log ?? (() => undefined),
    ownProcess: options.ownProcess ?? false,
  };
}

/** The listeners to open: the configured ones, or the implicit trusted listener. */
export function resolveListeners(options: EngineOptions): Array<ListenerConfig & { host: string; port: number }> {
  const host = options.host ?? DEFAULT_HOST;
  const configs = options.listeners ?? [{ port: options.port ?? 0 }];
  return configs.map((c) => ({ ...c, host: c.host ?? host, port: c.port ?? 0 }));
}
