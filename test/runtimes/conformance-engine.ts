/**
 * The engine of a conformance run: the reference engine (a trusted listener with the `default`
 * queue, and an RBAC listener, restartable on the same ports), or the external engine of
 * III_TEST_ENGINE_URL (test/external-engine.ts), which this process can neither stop nor start.
 */
import { startEngine, type EngineOptions, type RunningEngine } from '../engine/index.js';
import type { Need } from '../conformance/suite.js';
import { AUTH_FUNCTION_ID, ENV, externalEngine } from '../external-engine.js';

export interface ConformanceEngine {
  trustedUrl: string;
  /** The RBAC listener; `undefined` when an external engine was given without one. */
  rbacUrl: string | undefined;
  /** Features the cases may need that this engine cannot offer, with the reason. */
  unavailable: Partial<Record<Need, string>>;
  /** Closes the engine (its ports stay reserved for `start()`); throws for an external engine. */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

function referenceOptions(trustedPort: number, rbacPort: number): EngineOptions {
  return {
    host: '127.0.0.1',
    queue: { queues: ['default'] },
    // Workers that never announce fall into `default` quickly (§2.4); the suite announces anyway.
    registrationGraceMs: 1000,
    listeners: [
      { host: '127.0.0.1', port: trustedPort },
      { host: '127.0.0.1', port: rbacPort, rbac: { auth_function_id: AUTH_FUNCTION_ID } },
    ],
    log: process.env.CONFORMANCE_ENGINE_LOG ? (level, msg) => console.error(`[engine ${level}] ${msg}`) : () => undefined,
  };
}

async function startReference(): Promise<ConformanceEngine> {
  let engine: RunningEngine | undefined = await startEngine(referenceOptions(0, 0));
  const trustedPort = engine.listeners[0]!.port;
  const rbacPort = engine.listeners[1]!.port;
  return {
    trustedUrl: `ws://127.0.0.1:${trustedPort}`,
    rbacUrl: `ws://127.0.0.1:${rbacPort}`,
    unavailable: {},
    async stop() {
      const running = engine;
      engine = undefined;
      await running?.close();
    },
    async start() {
      if (engine) return;
      // The ports were just freed; a fresh bind can race the kernel briefly, so retry.
      for (let attempt = 0; ; attempt++) {
        try {
          engine = await startEngine(referenceOptions(trustedPort, rbacPort));
          return;
        } catch (e) {
          if (attempt >= 20) throw e;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    },
    async close() {
      await engine?.close();
      engine = undefined;
    },
  };
}

/** The reason written beside every case that needs to stop or restart the engine. */
export const EXTERNAL_CONTROL_REASON = 'the engine is external (III_TEST_ENGINE_URL): the suite cannot stop or restart it';

export async function startConformanceEngine(): Promise<ConformanceEngine> {
  const ext = externalEngine;
  if (!ext) return startReference();
  const refuse = async (): Promise<void> => {
    throw new Error(EXTERNAL_CONTROL_REASON);
  };
  const unavailable: Partial<Record<Need, string>> = { control: EXTERNAL_CONTROL_REASON };
  if (!ext.rbacUrl) unavailable.rbac = `${ENV.rbacUrl} is not set: the external engine's RBAC listener is unknown`;
  return { trustedUrl: ext.url, rbacUrl: ext.rbacUrl, unavailable, stop: refuse, start: refuse, close: async () => undefined };
}

/** The queue case needs a provider of `engine::queue::enqueue` with a queue named `default` (§3.6). */
export const NO_QUEUE_REASON =
  'no engine::queue::enqueue provider is registered on the external engine (the standalone queue worker, with a queue named "default")';
