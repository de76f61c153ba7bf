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

/** Whether Deno's refusal to read the environment was reported (once per process, not per client). */
let envRefusalReported = false;

/**
 * An environment variable, or `undefined`. Without `--allow-env` Deno throws; the SDK then goes on
 * as if it were unset (the default address, no namespace), which must not pass without a word.
 */
function readEnv(name: string): string | undefined {
  try {
    return deno()?.env.get(name);
  } catch {
    // III_ISOLATION is set by iii's own tooling, never by hand: its absence needs no word.
    if (!envRefusalReported && name !== 'III_ISOLATION') {
      envRefusalReported = true;
      globalThis.console.warn(
        `iii-isomorphic (deno): Deno refused to read ${name} (no --allow-env), so it is taken as unset. ` +
          `Run with --allow-env=${name} (or --allow-env=III_URL,III_NAMESPACE,III_WORKER_NAME), or pass the value to registerWorker().`,
      );
    }
    return undefined;
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
    env: readEnv,
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
