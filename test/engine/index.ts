// The reference iii engine, published as `iii-isomorphic/testing` (Node only): a TypeScript
// implementation of docs/protocol.md (engine 0.23.0-rc.4) to run workers against in tests.
// Importing this module does nothing: no server, no timer, until startEngine() is called.
import { Engine } from './engine.js';
import { startListener, type RunningListener } from './listeners.js';
import { resolveListeners, resolveSettings, type EngineOptions } from './options.js';
import { validateEngineOptions } from './validate-options.js';

export type { EngineOptions, ExposeFunctionFilter, ListenerConfig, LogFn, LogLevel, QueueOptions, RbacConfig } from './options.js';
export { validateEngineOptions } from './validate-options.js';
/** The real engine's default port (§1.1); the CLI's default. `startEngine()` defaults to 0. */
export { DEFAULT_ENGINE_PORT } from './options.js';

export interface EngineListener {
  /** `ws://HOST:PORT` (a wildcard host is reported as 127.0.0.1). */
  readonly url: string;
  readonly port: number;
  readonly host: string;
  /** Whether the listener has an `rbac` block. */
  readonly rbac: boolean;
}

export interface RunningEngine {
  /** `ws://127.0.0.1:PORT` of the first listener: where workers connect. */
  readonly url: string;
  /** The first listener with an `rbac` block, when one has. */
  readonly rbacUrl: string | undefined;
  /** Port of the first listener. */
  readonly port: number;
  /** Every listener, in the order configured. */
  readonly listeners: readonly EngineListener[];
  /**
   * Drops every connection without a Close handshake (§3.13: workers see their socket drop),
   * frees the ports, clears every timer. Idempotent; resolves once the ports are free.
   */
  close(): Promise<void>;
  /** `await using engine = await startEngine()` closes it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void>;
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * Starts an engine and resolves once every listener accepts connections. With no options: one
 * trusted listener on 127.0.0.1 and a free port (read `url`). Rejects with an Error naming the
 * option when the options are invalid, or the listener error (e.g. `EADDRINUSE`) when a port is
 * taken; nothing stays open in that case.
 */
export async function startEngine(options: EngineOptions = {}): Promise<RunningEngine> {
  validateEngineOptions(options, 'startEngine()', { allowLog: true });
  const engine = new Engine(resolveSettings(options));
  const started: RunningListener[] = [];
  try {
    for (const config of resolveListeners(options)) started.push(await startListener(engine, config));
  } catch (e) {
    engine.close();
    await Promise.all(started.map((l) => l.stop()));
    throw e;
  }
  const listeners = started.map((l) => ({ url: `ws://${urlHost(l.host)}:${l.port}`, port: l.port, host: l.host, rbac: l.policy.rbac !== undefined }));
  const first = listeners[0]!;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      engine.close();
      await Promise.all(started.map((l) => l.stop()));
    })();
    return closing;
  };
  return {
    url: first.url,
    rbacUrl: listeners.find((l) => l.rbac)?.url,
    port: first.port,
    listeners,
    close,
    [Symbol.asyncDispose]: close,
  };
}
