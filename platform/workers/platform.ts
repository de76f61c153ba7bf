/**
 * The Cloudflare Workers (workerd) `Platform`. Everything is reached at call time:
 * workerd refuses timers, random draws and I/O at module scope (docs/runtimes.md
 * "Runtime facts"), so this module only defines functions.
 */
import { ErrorCode, IIIInvocationError } from '../../src/errors.js';
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

/** What a Worker author is told when a client is created or used outside its request. */
const PER_REQUEST = 'Create one client per request, inside the handler, and end it with ctx.waitUntil(iii.shutdown()).';

/**
 * workerd ties every I/O object to the request that created it: from another request, touching
 * it throws ("Cannot perform I/O on behalf of a different request"), and the client's socket
 * would be dead for that request without a word. An unaccepted `WebSocketPair` end is the cheapest
 * such object with a synchronous getter (`readyState`, measured): it probes where code runs now,
 * and work started from another request is refused `CROSS_REQUEST` at once. At module scope
 * creating it throws: no client may be made there.
 */
function bindRequest(): ((functionId?: string) => Error | undefined) | undefined {
  const Pair = (globalThis as { WebSocketPair?: new () => Record<0 | 1, { readyState: number }> }).WebSocketPair;
  if (typeof Pair !== 'function') return undefined;
  let probe: { readyState: number };
  try {
    probe = new Pair()[0];
  } catch (error) {
    if (/global scope/i.test(String(error))) {
      throw new Error(`iii-isomorphic (workers): registerWorker() ran at module scope, where workerd allows no sockets or timers. ${PER_REQUEST}`, {
        cause: error,
      });
    }
    return undefined;
  }
  return (functionId) => {
    try {
      void probe.readyState;
      return undefined;
    } catch {
      return new IIIInvocationError({
        code: ErrorCode.CrossRequest,
        message: `iii-isomorphic (workers): this client belongs to another request, and workerd ties its socket to that request. ${PER_REQUEST}`,
        function_id: functionId,
      });
    }
  };
}

export function createWorkersPlatform(options: WorkersPlatformOptions = {}): Platform {
  const bindings = options.env;
  return {
    name: 'workers',
    supportsHeaders: true,
    connect: createWorkersTransport({ fetch: options.fetch }),
    ...webClock,
    randomUUID: uuid,
    bindRequest,
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
