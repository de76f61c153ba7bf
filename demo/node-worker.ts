/**
 * The demo's backend: an ordinary Node worker on the engine's trusted listener.
 *
 * It serves
 *   - `demo::auth`, the auth function of the RBAC listener the browser uses (protocol.md §1.3):
 *     it admits a connection only when it carries the demo token;
 *   - the `backend::*` functions the page calls (results, errors, a timeout, a forbidden one);
 *   - two channel functions: a live metric stream the page reads as a ReadableStream, and a
 *     SHA-256 of whatever the page writes into a WritableStream;
 * and it calls the page's `ui::*` functions (a toast, a live counter).
 */
import { createHash } from 'node:crypto';
import { registerWorker, TriggerAction } from '../platform/node/index.js';

/** Functions the page may call through the RBAC listener (the listener's `expose_functions`). */
export const EXPOSED_FUNCTIONS = [
  'match("ui::*")',
  'match("backend::demo::*")',
  'match("backend::stream::*")',
  'match("backend::upload::*")',
];

export const AUTH_FUNCTION_ID = 'demo::auth';

export interface DemoTokens {
  /** Travels in the browser's WebSocket URL query: `?token=…`. */
  browser: string;
  /** Travels in the edge function's upgrade headers: `Authorization: Bearer …`. */
  edge: string;
}

export interface NodeWorkerOptions {
  /** The engine's trusted listener. */
  url: string;
  /** The id the RBAC listener's `rbac.auth_function_id` names. @default AUTH_FUNCTION_ID */
  authFunctionId?: string;
  tokens: DemoTokens;
  /** How often the counter pushed to `ui::counter` ticks. */
  counterIntervalMs?: number;
  log?: (line: string) => void;
}

export interface NodeWorker {
  /** Asks the page to show a toast; resolves with the page's answer. */
  toast(message: string, level?: 'info' | 'success' | 'warn'): Promise<unknown>;
  readonly connectionState: string;
  /** Resolves once the engine has accepted the worker. */
  ready(): Promise<void>;
  stop(): Promise<void>;
}

interface AuthInput {
  headers?: Record<string, string>;
  query_params?: Record<string, string[]>;
  ip_address?: string;
}

// Minimal structural views of the live channel objects a handler receives (protocol.md §4.6).
interface LiveWriter {
  writable: WritableStream<Uint8Array>;
  sendMessage(text: string): unknown;
  close(): unknown;
}
interface LiveReader {
  readable: ReadableStream<Uint8Array>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function startNodeWorker(options: NodeWorkerOptions): NodeWorker {
  const log = options.log ?? ((line: string) => console.log(line));
  const iii = registerWorker(options.url, {
    workerName: 'demo-node-backend',
    workerDescription: 'iii-isomorphic demo backend',
    // Come back quickly after "restart engine" so the page's auth calls find us again.
    reconnect: { initialDelayMs: 200, maxDelayMs: 1500 },
  });

  let counter = 0;
  let stopped = false;
  const streams = new Set<AbortController>();

  iii.registerFunction(
    options.authFunctionId ?? AUTH_FUNCTION_ID,
    async (input: AuthInput) => {
      // query_params are not URL-decoded by the engine (§1.3); the demo tokens need no decoding.
      const queryToken = input.query_params?.token?.[0];
      const bearer = /^Bearer\s+(.+)$/i.exec(input.headers?.authorization ?? '')?.[1];
      if (queryToken === options.tokens.browser) {
        return { context: { role: 'browser', ip: input.ip_address } };
      }
      if (bearer === options.tokens.edge) {
        // The edge function only calls; it registers nothing.
        return { context: { role: 'edge' }, allow_function_registration: false };
      }
      log(`[node-worker] auth refused a connection from ${input.ip_address ?? '?'}`);
      throw new Error('invalid token');
    },
    { description: 'Auth function of the RBAC listener: checks the demo token' },
  );

  iii.registerFunction(
    'backend::demo::add',
    async (input: { a?: unknown; b?: unknown }) => {
      const a = Number(input.a);
      const b = Number(input.b);
      if (!Number.isFinite(a) || !Number.isFinite(b)) throw new Error('a and b must be numbers');
      return { sum: a + b, computed_by: 'node' };
    },
    { description: 'Adds two numbers' },
  );

  iii.registerFunction(
    'backend::demo::greet',
    async (input: { name?: unknown; via?: unknown }) => ({
      greeting: `Hello, ${String(input.name ?? 'stranger')}!`,
      via: typeof input.via === 'string' ? input.via : 'unknown',
      served_by: `node ${process.version} pid ${process.pid}`,
      at: new Date().toISOString(),
    }),
    { description: 'Greets the caller; the edge function calls it too' },
  );

  iii.registerFunction(
    'backend::demo::fail',
    async () => {
      throw new Error('The Node worker failed on purpose');
    },
    { description: 'Always throws' },
  );

  iii.registerFunction(
    'backend::demo::slow',
    async (input: { ms?: number }) => {
      await sleep(Math.min(Number(input.ms) || 3000, 10_000));
      return { slept: true };
    },
    { description: 'Answers after a while (the page calls it with a short timeout)' },
  );

  iii.registerFunction(
    'backend::demo::toast-me',
    async (input: { message?: unknown }) => {
      const answer = await toast(`Node worker says: ${String(input.message ?? 'hi')}`, 'success');
      return { delivered: true, page_answered: answer };
    },
    { description: 'Calls ui::toast back on the page' },
  );

  // Registered, but absent from the RBAC listener's expose list: the page gets FORBIDDEN.
  iii.registerFunction(
    'backend::admin::reset',
    async () => {
      counter = 0;
      return { reset: true };
    },
    { description: 'Admin only: resets the counter' },
  );

  iii.registerFunction(
    'backend::stream::metrics',
    async (input: { output: LiveWriter; intervalMs?: number; samples?: number }) => {
      if (!input.output?.writable) throw new Error('output must be a channel writer ref (channel.writerRef)');
      const intervalMs = Math.max(20, Math.min(Number(input.intervalMs) || 100, 2000));
      const samples = Math.max(1, Math.min(Number(input.samples) || 6000, 100_000));
      const abort = new AbortController();
      streams.add(abort);
      // Stream in the background: the call returns at once, the data flows through the channel.
      void produceMetrics(input.output, intervalMs, samples, abort.signal)
        .catch(() => {
          // The page went away or the engine restarted: the channel is gone; nothing to tell.
        })
        .finally(() => streams.delete(abort));
      return { streaming: true, intervalMs, samples };
    },
    { description: 'Streams "seq,value" lines into the caller\'s channel' },
  );

  iii.registerFunction(
    'backend::upload::sha256',
    async (input: { input: LiveReader; name?: string }) => {
      if (!input.input?.readable) throw new Error('input must be a channel reader ref (channel.readerRef)');
      const hash = createHash('sha256');
      let bytes = 0;
      const reader = input.input.readable.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        hash.update(value);
        bytes += value.byteLength;
      }
      const sha256 = hash.digest('hex');
      log(`[node-worker] hashed ${bytes} bytes of ${input.name ?? 'an upload'}: ${sha256}`);
      return { sha256, bytes, name: input.name ?? null };
    },
    { description: 'SHA-256 of the bytes read from the caller\'s channel' },
  );

  async function produceMetrics(output: LiveWriter, intervalMs: number, samples: number, signal: AbortSignal) {
    const writer = output.writable.getWriter();
    const encoder = new TextEncoder();
    let value = 50;
    try {
      for (let seq = 0; seq < samples && !signal.aborted; seq++) {
        // A random walk pulled back towards a slow wave, so it wanders without sticking to an edge.
        const target = 50 + 30 * Math.sin(seq / 40);
        value += (target - value) * 0.08 + (Math.random() - 0.5) * 9;
        value = Math.max(2, Math.min(98, value));
        await writer.ready;
        await writer.write(encoder.encode(`${seq},${value.toFixed(2)}\n`));
        await sleep(intervalMs);
      }
      await writer.close();
    } catch (error) {
      writer.releaseLock();
      throw error;
    }
  }

  async function toast(message: string, level: 'info' | 'success' | 'warn' = 'info') {
    return iii.trigger({ function_id: 'ui::toast', payload: { message, level }, timeoutMs: 5000 });
  }

  // The live counter: pushed to the page without waiting for an answer (void action, §3.6),
  // so ticks while no tab is open cost nothing.
  const ticker = setInterval(() => {
    if (stopped || iii.connectionState !== 'connected') return;
    counter += 1;
    iii
      .trigger({ function_id: 'ui::counter', payload: { value: counter, at: Date.now() }, action: TriggerAction.Void() })
      .catch(() => {});
  }, options.counterIntervalMs ?? 1000);

  return {
    toast,
    get connectionState() {
      return iii.connectionState;
    },
    ready: () => iii.ready(),
    async stop() {
      stopped = true;
      clearInterval(ticker);
      for (const stream of streams) stream.abort();
      await iii.shutdown();
    },
  };
}
