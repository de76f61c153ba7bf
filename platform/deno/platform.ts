/**
 * The Deno `Platform`: the global WebSocket, which accepts `{headers}` as its second
 * argument (measured on Deno 2.9: the engine receives them). `Deno.*` is reached
 * only through `globalThis`, at call time, so this module also loads elsewhere.
 */
import type { Platform } from '../../src/platform.js';
import { webClock } from '../web/timers.js';
import { createWebSocketTransport, webRandomUUID } from '../web/websocket-transport.js';

interface DenoGlobal {
  env: { get(name: string): string | undefined };
  pid: number;
  hostname(): string;
  build: { os: string; arch: string };
  version: { deno: string };
  osRelease?(): string;
}

function deno(): DenoGlobal | undefined {
  return (globalThis as { Deno?: DenoGlobal }).Deno;
}

// Deno throws (NotCapable / PermissionDenied) without --allow-env or --allow-sys;
// a missing permission reads as "not set" instead of breaking the client.
function tryOr<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    return fallback;
  }
}

// Same shape as the Node SDK's `"<platform> <release> (<arch>)"` (protocol.md §1.2);
// the release needs --allow-sys and is left out without it.
function osString(d: DenoGlobal): string {
  const release = tryOr(() => d.osRelease?.(), undefined);
  return release ? `${d.build.os} ${release} (${d.build.arch})` : `${d.build.os} (${d.build.arch})`;
}

export function createDenoPlatform(): Platform {
  return {
    name: 'deno',
    supportsHeaders: true,
    connect: createWebSocketTransport({
      runtime: 'deno',
      headers: true,
      fix: 'Deno has had a global WebSocket since 1.0; pass one with the `WebSocket` option of registerWorker().',
    }),
    ...webClock,
    randomUUID: webRandomUUID,
    env: (name) => tryOr(() => deno()?.env.get(name), undefined),
    runtimeInfo: () => {
      const d = deno();
      const pid = d?.pid;
      return {
        runtime: 'deno',
        os: d ? osString(d) : undefined,
        pid,
        defaultWorkerName: () => `${tryOr(() => d?.hostname() ?? 'deno', 'deno')}:${pid ?? 0}`,
      };
    },
  };
}
