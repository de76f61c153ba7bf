/**
 * The Node side of every conformance run: the reference engine (a trusted listener with
 * the `default` queue, and an RBAC listener) or the external engine of III_TEST_ENGINE_URL
 * (test/external-engine.ts), a helper worker built from the Node entry (the RBAC auth
 * function, an echo, a callback into the runtime under test, channel peers), and an HTTP
 * control endpoint on 127.0.0.1 (`POST /restart`, `/stop`, `/start`, static files for the
 * browser page). An external engine cannot be restarted from here: the control operations then
 * answer 501 and the config names what is unavailable, so the cases needing it are skipped.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ConformanceConfig } from '../conformance/suite.js';
import { HELPER } from '../conformance/helper-ids.js';
import { AUTH_FUNCTION_ID, engineLabel, externalEngine } from '../external-engine.js';
import { NO_QUEUE_REASON, startConformanceEngine } from './conformance-engine.js';

export interface OrchestratorOptions {
  /** Start the helper worker (needs the built node entry). @default true */
  helper?: boolean;
  /** Files served by the control endpoint (path → content), for the browser page. */
  files?: Record<string, { type: string; body: string | Uint8Array }>;
  /** Module of the SDK used by the helper worker. @default dist/node/index.js */
  helperEntry?: string;
  log?: (message: string) => void;
}

export interface Orchestrator {
  config: ConformanceConfig;
  /** Restart the engine on the same ports (close, then start). */
  restart(): Promise<void>;
  /** Close the engine (until `start()`); its ports stay reserved for it. */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

const repoRoot = path.resolve(import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname), '../..');

interface Helper {
  shutdown(): Promise<void>;
  ready(): Promise<void>;
  hasFunction(id: string): Promise<boolean>;
}

function startHelper(sdk: any, url: string): Helper {
  const iii = sdk.registerWorker(url, {
    workerName: 'conformance-helper',
    reconnect: { initialDelayMs: 50, maxDelayMs: 250, minUptimeMs: 0 },
    invocationTimeoutMs: 10000,
    // Its handlers fail on purpose (refused tokens, HELPER.fail), and a worker logs every handler
    // failure with its stack at `error`: set CONFORMANCE_HELPER_LOG=error to see them.
    logLevel: process.env.CONFORMANCE_HELPER_LOG === 'error' ? 'error' : 'silent',
  });
  // RBAC auth (§1.3): the token travels in the URL query (the only way a browser can carry it).
  iii.registerFunction(AUTH_FUNCTION_ID, (input: { query_params?: Record<string, string[]>; headers?: Record<string, string> }) => {
    const token = input?.query_params?.token?.[0];
    // `deny-<secret>`: the secrets scenario's refused credentials (test/conformance/secrets.ts).
    if (token === 'deny' || token?.startsWith('deny-')) throw new Error('invalid token');
    // Proves that upgrade headers arrive (Node, Deno, Bun, workerd; a browser cannot send them).
    if (token === 'header-check' && input.headers?.['x-conformance-token'] !== 'ok') {
      throw new Error('x-conformance-token header missing');
    }
    return {
      allowed_functions: [HELPER.echo],
      forbidden_functions: [HELPER.secret],
      allow_function_registration: true,
      context: { token },
    };
  });
  // The engine injects `_caller_worker_id` into object payloads (§3.3); echo what the caller sent.
  iii.registerFunction(HELPER.echo, (payload: unknown) => {
    if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return payload;
    const { _caller_worker_id: _ignored, ...rest } = payload as Record<string, unknown>;
    return rest;
  });
  iii.registerFunction(HELPER.secret, () => 'secret');
  iii.registerFunction(HELPER.fail, (payload: { message?: string }) => {
    throw new Error(payload?.message ?? 'helper failure');
  });
  iii.registerFunction(HELPER.sleep, async (payload: { ms?: number }) => {
    await new Promise((r) => setTimeout(r, Math.min(payload?.ms ?? 1000, 10000)));
    return { slept: payload?.ms ?? 1000 };
  });
  // The other direction: the helper calls a function the runtime under test registered.
  iii.registerFunction(HELPER.call, async (payload: { function_id: string; payload: unknown }) => {
    return iii.trigger({ function_id: payload.function_id, payload: payload.payload, timeoutMs: 8000 });
  });
  // Channel peers: refs inside payloads arrive as live readers/writers (§4.6).
  iii.registerFunction(HELPER.readChannel, async (payload: { reader: any }) => {
    const reader = payload.reader;
    const messages: string[] = [];
    if (typeof reader.onMessage === 'function') reader.onMessage((m: string) => messages.push(m));
    let bytes = 0;
    let sum = 0;
    const r = reader.readable.getReader();
    for (;;) {
      const { value, done } = await r.read();
      if (done) break;
      bytes += value.byteLength;
      for (const b of value) sum = (sum + b) % 65536;
    }
    return { bytes, sum, messages };
  });
  iii.registerFunction(HELPER.writeChannel, async (payload: { writer: any; bytes: number; message?: string }) => {
    const writer = payload.writer;
    if (payload.message !== undefined) await writer.sendMessage(payload.message);
    const w = writer.writable.getWriter();
    let left = payload.bytes;
    let sum = 0;
    let i = 0;
    while (left > 0) {
      const n = Math.min(left, 10000);
      const chunk = new Uint8Array(n);
      for (let j = 0; j < n; j++) {
        chunk[j] = (i++ * 7) % 251;
        sum = (sum + chunk[j]!) % 65536;
      }
      await w.write(chunk);
      left -= n;
    }
    await w.close();
    return { bytes: payload.bytes, sum };
  });
  // A writer that dies mid-stream: its socket is dropped (no end mark, no Close) once its bytes
  // have left this process. The ref arrives as JSON text so it is not materialised.
  iii.registerFunction(HELPER.truncateChannel, async (payload: { ref: string; bytes: number }) => {
    let socket: { terminate?(): void; bufferedAmount(): number | undefined } | undefined;
    const platform = sdk.createNodePlatform();
    const connect = platform.connect;
    platform.connect = (...args: unknown[]) => (socket = connect(...args));
    const writer = new sdk.ChannelWriter(url, JSON.parse(payload.ref), { platform });
    const w = writer.writable.getWriter();
    await w.write(new Uint8Array(payload.bytes).fill(7));
    while ((socket?.bufferedAmount() ?? 0) > 0) await new Promise((r) => setTimeout(r, 5));
    socket?.terminate?.();
    return { bytes: payload.bytes };
  });
  iii.registerFunction(HELPER.cancelChannel, async (payload: { ref: string }) => {
    const reader = new sdk.ChannelReader(url, JSON.parse(payload.ref));
    const r = reader.readable.getReader();
    const first = await r.read();
    await r.cancel();
    return { first: first.value?.byteLength ?? 0 };
  });
  return {
    shutdown: () => iii.shutdown(),
    hasFunction: async (id: string) => ((await iii.listFunctions()) as Array<{ function_id: string }>).some((f) => f.function_id === id),
    /** Connected, and every helper function is listed by the engine (registrations replayed). */
    async ready() {
      await iii.ready();
      const wanted = [...Object.values(HELPER), AUTH_FUNCTION_ID];
      const deadline = Date.now() + 5000;
      for (;;) {
        const listed = new Set(((await iii.listFunctions().catch(() => [])) as Array<{ function_id: string }>).map((f) => f.function_id));
        if (wanted.every((id) => listed.has(id))) return;
        if (Date.now() > deadline) throw new Error(`helper functions not listed: ${wanted.filter((id) => !listed.has(id)).join(', ')}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}

export async function startOrchestrator(options: OrchestratorOptions = {}): Promise<Orchestrator> {
  const engine = await startConformanceEngine();
  let helper: Helper | undefined;
  if (options.helper !== false) {
    const entry = options.helperEntry ?? path.join(repoRoot, 'dist/node/index.js');
    const sdk = await import(pathToFileURL(entry).href);
    helper = startHelper(sdk, engine.trustedUrl);
    await withTimeout(helper.ready(), 5000, 'helper worker ready');
  }
  const unavailable = { ...engine.unavailable };
  // An external engine has a queue only when a queue worker provides engine::queue::enqueue.
  if (externalEngine && !(await helper?.hasFunction('engine::queue::enqueue'))) unavailable.queue = NO_QUEUE_REASON;

  // One engine operation at a time: stop, start and restart queue behind each other.
  let queue: Promise<void> = Promise.resolve();
  const serial = (op: () => Promise<void>): Promise<void> => {
    const next = queue.then(op);
    queue = next.catch(() => undefined);
    return next;
  };
  const startNow = async () => {
    await engine.start();
    if (helper) await withTimeout(helper.ready(), 8000, 'helper worker ready after restart');
  };
  const restart = () =>
    serial(async () => {
      await engine.stop();
      await startNow();
    });
  const stop = () => serial(() => engine.stop());
  const start = () => serial(startNow);
  const operations: Record<string, () => Promise<void>> = { '/restart': restart, '/stop': stop, '/start': start };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    res.setHeader('access-control-allow-origin', '*');
    res.setHeader('cache-control', 'no-store');
    if (req.method === 'OPTIONS') {
      res.setHeader('access-control-allow-methods', 'GET, POST');
      res.writeHead(204).end();
      return;
    }
    const operation = operations[url.pathname];
    if (req.method === 'POST' && operation) {
      operation().then(
        () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'),
        (e: unknown) => res.writeHead(engine.unavailable.control ? 501 : 500).end(String(e)),
      );
      return;
    }
    if (req.method === 'GET' && url.pathname === '/config') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(config));
      return;
    }
    const file = options.files?.[url.pathname];
    if (req.method === 'GET' && file) {
      res.writeHead(200, { 'content-type': file.type }).end(file.body);
      return;
    }
    res.writeHead(404).end('not found');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const controlPort = (server.address() as AddressInfo).port;
  const config: ConformanceConfig = {
    engineUrl: engine.trustedUrl,
    // Never used when unavailable (those cases are skipped); a closed port otherwise.
    rbacUrl: engine.rbacUrl ?? 'ws://127.0.0.1:9',
    controlUrl: `http://127.0.0.1:${controlPort}`,
    unavailable,
  };
  options.log?.(`${engineLabel()}: engine ${config.engineUrl}, rbac ${config.rbacUrl}, control ${config.controlUrl}`);

  let closed: Promise<void> | undefined;
  return {
    config,
    restart,
    stop,
    start,
    close() {
      closed ??= (async () => {
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
        if (helper) await withTimeout(helper.shutdown(), 3000, 'helper shutdown').catch(() => undefined);
        await withTimeout(queue.then(() => engine.close()), 3000, 'engine close').catch(() => undefined);
      })();
      return closed;
    },
  };
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      t = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(t));
}
