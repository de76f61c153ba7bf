/**
 * The Bun `Platform`. Measured on Bun 1.4.5: the global WebSocket delivers
 * `{headers}` to the engine and has working `pause()`/`resume()` (receive
 * backpressure), the same as Bun's `ws` shim, so Bun uses the shared web transport
 * and needs neither `ws` nor `isomorphic-ws`.
 */
import type { Platform } from '../../src/platform.js';
import { webClock } from '../web/timers.js';
import { createWebSocketTransport, webRandomUUID } from '../web/websocket-transport.js';

interface BunProcess {
  env: Record<string, string | undefined>;
  pid: number;
  platform: string;
  arch: string;
}

function proc(): BunProcess | undefined {
  return (globalThis as { process?: BunProcess }).process;
}

export function createBunPlatform(): Platform {
  return {
    name: 'bun',
    supportsHeaders: true,
    connect: createWebSocketTransport({
      runtime: 'bun',
      headers: true,
      fix: 'Bun has a global WebSocket since 1.0; pass one with the `WebSocket` option of registerWorker().',
    }),
    ...webClock,
    randomUUID: webRandomUUID,
    env: (name) => proc()?.env[name],
    runtimeInfo: () => {
      const p = proc();
      const host = p?.env.HOSTNAME ?? 'bun';
      return {
        runtime: 'bun',
        os: p ? `${p.platform} (${p.arch})` : undefined,
        pid: p?.pid,
        defaultWorkerName: () => `${host}:${p?.pid ?? 0}`,
      };
    },
  };
}
