/**
 * The engine the demo talks to: the reference engine with two listeners, or an engine the user
 * runs (`III_URL`, plus `III_RBAC_URL` for the browser's listener).
 *
 *   trusted listener  — no `rbac`: the Node worker (and nothing from the outside world);
 *   RBAC listener     — `rbac.auth_function_id` = demo::auth (served by the Node worker) and an
 *                       `expose_functions` list: what untrusted browsers and edge functions use.
 */
import { startEngine, type RunningEngine } from '../test/engine/index.js';
import { AUTH_FUNCTION_ID, EXPOSED_FUNCTIONS } from './node-worker.js';

export interface DemoEngine {
  /** The trusted listener (the Node worker's address). */
  readonly trustedUrl: string;
  /** The RBAC listener, without credentials. */
  readonly rbacUrl: string;
  /** Whether this process owns the engine (and so can restart it). */
  readonly embedded: boolean;
  readonly running: boolean;
  /** Stops the engine, waits `downMs`, starts it again on the same ports. */
  restart(downMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface DemoEngineOptions {
  /** Ports of the embedded engine; 0 = any free port. */
  trustedPort?: number;
  rbacPort?: number;
  log?: (line: string) => void;
}

/** The RBAC block of the browser-facing listener (protocol.md §1.3, §3.15). */
export const RBAC_CONFIG = {
  auth_function_id: AUTH_FUNCTION_ID,
  expose_functions: EXPOSED_FUNCTIONS,
};

export async function startDemoEngine(options: DemoEngineOptions = {}): Promise<DemoEngine> {
  const log = options.log ?? ((line: string) => console.log(line));
  const external = process.env.III_URL;
  if (external) {
    const rbacUrl = process.env.III_RBAC_URL ?? external;
    if (!process.env.III_RBAC_URL) {
      log('[engine] III_RBAC_URL is not set: the page will use III_URL; give it an RBAC listener for the full demo');
    }
    return {
      trustedUrl: external,
      rbacUrl,
      embedded: false,
      running: true,
      async restart() {
        throw new Error('the engine is external (III_URL): restart it yourself');
      },
      async close() {},
    };
  }

  const start = (trustedPort: number, rbacPort: number) =>
    startEngine({
      listeners: [
        { host: '127.0.0.1', port: trustedPort },
        { host: '127.0.0.1', port: rbacPort, rbac: RBAC_CONFIG },
      ],
    });

  let engine: RunningEngine | undefined = await start(options.trustedPort ?? 0, options.rbacPort ?? 0);
  const [trusted, rbac] = engine.listeners;
  const ports = { trusted: trusted!.port, rbac: rbac!.port };
  let restarting: Promise<void> | undefined;
  let closed = false;

  return {
    trustedUrl: trusted!.url,
    rbacUrl: rbac!.url,
    embedded: true,
    get running() {
      return engine !== undefined;
    },
    restart(downMs = 1500) {
      restarting ??= (async () => {
        try {
          log('[engine] stopping (every worker sees its socket drop)');
          await engine?.close();
          engine = undefined;
          await new Promise((resolve) => setTimeout(resolve, downMs));
          if (closed) return;
          // Same ports, so every worker finds it again. A port still held for a moment is retried.
          for (let attempt = 0; ; attempt++) {
            try {
              engine = await start(ports.trusted, ports.rbac);
              break;
            } catch (error) {
              if (attempt >= 20 || closed) throw error;
              await new Promise((resolve) => setTimeout(resolve, 250));
            }
          }
          log('[engine] started again on the same ports');
        } finally {
          restarting = undefined;
        }
      })();
      return restarting;
    },
    async close() {
      closed = true;
      await restarting?.catch(() => {});
      await engine?.close();
      engine = undefined;
    },
  };
}
