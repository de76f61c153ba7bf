// Public entry of the reference engine used by every test, e2e check and the demo.
import { Engine, type LogFn } from './engine.js';
import { startListener, stopListener, type ListenerConfig, type ListenerRuntime } from './listeners.js';

export type { RbacConfig } from './rbac.js';
export type { ListenerConfig } from './listeners.js';

export interface EngineOptions {
  /** The default (trusted) listener; 0 = ephemeral; default 49134. */
  port?: number;
  /** Default '127.0.0.1'. */
  host?: string;
  /** When given, replaces the implicit default listener (§1.1); port 0 allowed. */
  listeners?: ListenerConfig[];
  /** §2.4, default 5000 (env III_NAMESPACE_GRACE_MS also overrides). */
  registrationGraceMs?: number;
  /** §3.7, default 5000. */
  functionsAvailablePollMs?: number;
  /** §4.5, default 300000. */
  channelOrphanTtlMs?: number;
  /** §4.5, default 60000. */
  channelSweepIntervalMs?: number;
  /** §3.11, default 5000. */
  reattachWaitMs?: number;
  /** Optional reference queue provider registering `engine::queue::enqueue` (§3.6, §6.4). */
  queue?: { queues: string[]; deliveryDelayMs?: number };
  log?: (level: 'debug' | 'info' | 'warn' | 'error', message: string, data?: unknown) => void;
}

export interface RunningEngine {
  /** ws://127.0.0.1:PORT of the first listener. */
  url: string;
  port: number;
  listeners: Array<{ url: string; port: number; host: string }>;
  /** Drops every connection without a Close handshake, frees ports; idempotent. */
  close(): Promise<void>;
}

function graceFromEnv(): number | undefined {
  const raw = typeof process !== 'undefined' ? process.env.III_NAMESPACE_GRACE_MS : undefined;
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

export async function startEngine(options: EngineOptions = {}): Promise<RunningEngine> {
  const silent: LogFn = () => undefined;
  const engine = new Engine({
    registrationGraceMs: graceFromEnv() ?? options.registrationGraceMs ?? 5000,
    functionsAvailablePollMs: options.functionsAvailablePollMs ?? 5000,
    channelOrphanTtlMs: options.channelOrphanTtlMs ?? 300000,
    channelSweepIntervalMs: options.channelSweepIntervalMs ?? 60000,
    reattachWaitMs: options.reattachWaitMs ?? 5000,
    queue: options.queue,
    log: options.log ?? silent,
  });
  const configs: ListenerConfig[] = options.listeners ?? [{ port: options.port ?? 49134, host: options.host ?? '127.0.0.1' }];
  const started: ListenerRuntime[] = [];
  try {
    for (const c of configs) started.push(await startListener(engine, { ...c, host: c.host ?? options.host ?? '127.0.0.1' }, 49134));
  } catch (e) {
    engine.close();
    await Promise.all(started.map(stopListener));
    throw e;
  }
  const listeners = started.map((l) => ({ url: `ws://${urlHost(l.host)}:${l.port}`, port: l.port, host: l.host }));
  let closing: Promise<void> | undefined;
  const first = listeners[0]!;
  return {
    url: first.url,
    port: first.port,
    listeners,
    close(): Promise<void> {
      closing ??= (async () => {
        engine.close();
        await Promise.all(started.map(stopListener));
      })();
      return closing;
    },
  };
}
