/**
 * The Cloudflare Workers (workerd) `Platform`. Everything is reached at call time:
 * workerd refuses timers, random draws and I/O at module scope (DESIGN.md "Runtime
 * facts"), so this module only defines functions.
 */
import type { Platform } from '../../src/platform.js';
import { webClock } from '../web/timers.js';
import { shortRandomHex, userAgent } from '../web/websocket-transport.js';
import { createWorkersTransport, type WorkersTransportConfig } from './transport.js';

export interface WorkersPlatformOptions extends WorkersTransportConfig {
  /**
   * The Worker's `env` bindings. workerd has no process environment, so `III_URL`
   * and friends are read from here, or are `undefined` without it.
   */
  env?: Record<string, unknown> | undefined;
}

function uuid(): string {
  return crypto.randomUUID();
}

export function createWorkersPlatform(options: WorkersPlatformOptions = {}): Platform {
  const bindings = options.env;
  return {
    name: 'workers',
    supportsHeaders: true,
    connect: createWorkersTransport({ fetch: options.fetch }),
    ...webClock,
    randomUUID: uuid,
    env: (name) => {
      const value = bindings?.[name];
      return typeof value === 'string' ? value : undefined;
    },
    runtimeInfo: () => ({
      runtime: 'workers',
      // "Cloudflare-Workers" on workerd.
      os: userAgent() ?? 'workerd',
      defaultWorkerName: () => `workers:${shortRandomHex(uuid)}`,
    }),
  };
}
