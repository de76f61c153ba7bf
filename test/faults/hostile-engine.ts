/**
 * A hostile engine: a raw `ws` server that accepts a worker like the engine does (first frame
 * `workerregistered`, the announce answered), then sends it fuzzed frames: prototype names as
 * types, keys and ids, wrong JSON types, deep nesting, huge strings, invalid JSON, binary frames,
 * results for the worker's real pending calls with broken bodies, invocations of its real
 * functions with odd payloads and fake channel refs. Shared by hostile.test.ts and measure.ts.
 *
 * What counts as an escape: an unhandled rejection or an uncaught exception in this process while
 * the fuzz runs, a property added to a built-in prototype, or a worker that no longer works once
 * a good engine (the reference engine, same port) takes over.
 */
import { WebSocketServer, type WebSocket } from 'ws';
import type { III } from '../../platform/node/index.js';
import { startEngine } from '../engine/index.js';
import { registered, uniqueName, waitFor, within, worker } from '../node/helpers.js';
import { freePort } from './engine-process.js';

/** xorshift32: the same seed gives the same frames. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

const PROTO_NAMES = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__', 'then'];
const TYPES = [
  'workerregistered',
  'registrationrejected',
  'invokefunction',
  'invocationresult',
  'registertrigger',
  'unregistertrigger',
  'triggerregistrationresult',
  'error',
  'pong',
  'ping',
  'registerfunction',
  'WORKERREGISTERED',
  'unknown-type',
  '',
  ...PROTO_NAMES,
];
/** The key a polluted prototype would show. */
export const POLLUTION_KEY = 'iiiFuzzPolluted';

export interface FuzzTargets {
  functionIds: string[];
  triggerType: string;
  /** invocation ids of the worker's calls waiting for an answer. */
  pendingIds: () => string[];
}

/** One fuzzed frame: a string (text frame) or bytes (binary frame). */
export function fuzzFrame(random: () => number, t: FuzzTargets): string | Uint8Array {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const deep = (depth: number, open: string, close: string, inner = '1'): string => open.repeat(depth) + inner + close.repeat(depth);
  // A few 4 MiB strings (one value in ~2000), else up to 5000 characters.
  const bigString = (): string => 'x'.repeat(random() < 0.0005 ? 4 * 1024 * 1024 : 1 + Math.floor(random() * 5000));
  // Mostly shallow; one in ten up to 5000 levels; one in 500 at 100,000 (past any recursive walker).
  const depth = (): number => {
    const r = random();
    if (r < 0.002) return 100_000;
    return 1 + Math.floor(random() * (r < 0.1 ? 5000 : 64));
  };
  const polluting = (): string => `{"__proto__":{"${POLLUTION_KEY}":true},"constructor":{"prototype":{"${POLLUTION_KEY}":true}}}`;
  const value = (): string => {
    switch (Math.floor(random() * 14)) {
      case 0:
        return 'null';
      case 1:
        return String(Math.floor(random() * 1e9) - 5e8);
      case 2:
        return '1e308';
      case 3:
        return JSON.stringify(bigString());
      case 4:
        return polluting();
      case 5:
        return deep(depth(), '[', ']');
      case 6:
        return deep(depth(), '{"a":', '}');
      case 7:
        return JSON.stringify(pick(PROTO_NAMES));
      case 8:
        return '{"channel_id":"00000000-0000-4000-8000-000000000000","access_key":"k","direction":"read"}';
      case 9:
        return `{"w":{"channel_id":${JSON.stringify(pick(PROTO_NAMES))},"access_key":"k","direction":"write"}}`;
      case 10:
        return '[]';
      case 11:
        return 'true';
      case 12:
        return '"\\ud800"';
      default:
        return '{}';
    }
  };
  const field = (name: string): string => `${JSON.stringify(name)}:${value()}`;
  switch (Math.floor(random() * 13)) {
    case 12:
      // Refused credentials: the worker drops the socket and redials (onAuthError 'retry').
      return random() < 0.05 ? '{"type":"error","error":{"code":"AUTH_ERROR","message":"fuzzed refusal"}}' : `{"type":"error","error":${value()}}`;
    case 0: {
      // A known or hostile `type` with random fields.
      const keys = ['invocation_id', 'function_id', 'data', 'result', 'error', 'id', 'trigger_type', 'config', 'code', 'worker_id', ...PROTO_NAMES];
      const n = Math.floor(random() * 6);
      const fields = [`"type":${JSON.stringify(pick(TYPES))}`];
      for (let i = 0; i < n; i++) fields.push(field(pick(keys)));
      return `{${fields.join(',')}}`;
    }
    case 1:
      // An invocation of one of the worker's real functions (or a prototype name) with odd data.
      return `{"type":"invokefunction","invocation_id":${random() < 0.8 ? JSON.stringify(crypto.randomUUID()) : value()},"function_id":${JSON.stringify(
        random() < 0.7 ? pick(t.functionIds) : pick(PROTO_NAMES),
      )},"data":${value()},"metadata":${value()},"traceparent":${value()}}`;
    case 2: {
      // A broken answer to a real pending call.
      const id = pick(t.pendingIds().length > 0 ? t.pendingIds() : [crypto.randomUUID()]);
      const body = pick([
        `"result":${value()}`,
        `"error":${value()}`,
        `"error":{"code":${value()},"message":${value()},"stacktrace":${value()}}`,
        `"error":{"code":"x","message":"y"},"result":${value()}`,
      ]);
      return `{"type":"invocationresult","invocation_id":${JSON.stringify(id)},"function_id":${JSON.stringify(pick(t.functionIds))},${body}}`;
    }
    case 3:
      // A binding for the worker's trigger type (or a prototype-named one).
      return `{"type":"registertrigger","id":${JSON.stringify(random() < 0.5 ? crypto.randomUUID() : pick(PROTO_NAMES))},"trigger_type":${JSON.stringify(
        random() < 0.7 ? t.triggerType : pick(PROTO_NAMES),
      )},"function_id":${JSON.stringify(pick(t.functionIds))},"config":${value()},"metadata":${value()}}`;
    case 4:
      return `{"type":"unregistertrigger","id":${JSON.stringify(random() < 0.5 ? crypto.randomUUID() : pick(PROTO_NAMES))},"trigger_type":${value()}}`;
    case 5:
      // Not JSON, or JSON that is not an object.
      return pick(['', ' ', '{', '{"type":', 'null', '[]', '1', '"str"', '{"type":"invokefunction"', '\u0000', 'undefined', '{}']);
    case 6: {
      const bytes = new Uint8Array(Math.floor(random() * 2048));
      for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
      return bytes;
    }
    case 7:
      return new TextEncoder().encode(`{"type":"invokefunction","invocation_id":"${crypto.randomUUID()}","function_id":${JSON.stringify(pick(t.functionIds))},"data":${value()}}`);
    case 8:
      return `{"type":"triggerregistrationresult","id":${value()},"trigger_type":${value()},"function_id":${value()},"error":${value()}}`;
    case 9:
      // Only the non-fatal refusal (a worker-name conflict or an unknown code stops a worker for good, §3.12).
      return `{"type":"registrationrejected","code":"FUNCTION_NAMESPACE_CONFLICT","namespace":${value()},"function_id":${JSON.stringify(
        pick([...t.functionIds, ...PROTO_NAMES]),
      )},"owner_worker_id":${value()}}`;
    case 10:
      return `{"type":${JSON.stringify(pick(PROTO_NAMES))},${polluting().slice(1)}`;
    default:
      return `{"type":"pong",${field(pick(PROTO_NAMES))}}`;
  }
}

export interface FuzzReport {
  frames: number;
  /** Unhandled rejections + uncaught exceptions seen in this process during the fuzz. */
  escapes: number;
  escapeExamples: string[];
  /** Properties that appeared on a built-in prototype. */
  polluted: string[];
  /** After the fuzz, the same worker reconnected to the reference engine and served and made calls. */
  recovered: boolean;
  recoverError?: string;
  /** Connections the hostile engine accepted (the worker redialled after closes it caused). */
  connections: number;
  durationMs: number;
}

const PROTOS: Array<[string, object]> = [
  ['Object.prototype', Object.prototype],
  ['Array.prototype', Array.prototype],
  ['Function.prototype', Function.prototype],
  ['String.prototype', String.prototype],
  ['Promise.prototype', Promise.prototype],
  ['Error.prototype', Error.prototype],
];

function snapshot(): Map<string, Set<string | symbol>> {
  return new Map(PROTOS.map(([name, proto]) => [name, new Set(Reflect.ownKeys(proto))]));
}

export async function runFuzz(options: { frames: number; seed?: number; log?: (line: string) => void }): Promise<FuzzReport> {
  const random = rng(options.seed ?? 0x1ee7);
  const started = Date.now();
  const escapes: string[] = [];
  const onEscape = (kind: string) => (e: unknown) => escapes.push(`${kind}: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  const onRejection = onEscape('unhandledRejection');
  const onException = onEscape('uncaughtException');
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  const before = snapshot();

  const port = await freePort();
  const server = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate: false, maxPayload: 64 * 1024 * 1024 });
  await new Promise<void>((r) => server.once('listening', () => r()));
  const pending = new Set<string>();
  let sent = 0;
  let connections = 0;
  const functionIds = ['fuzz::echo', 'fuzz::throws', 'fuzz::reads'];
  const targets: FuzzTargets = { functionIds, triggerType: 'fuzz-type', pendingIds: () => [...pending] };
  let current: WebSocket | undefined;
  server.on('connection', (socket, req) => {
    socket.on('error', () => undefined);
    if (req.url?.startsWith('/ws/channels/')) {
      // A fake channel ref made the worker open a channel here: refuse it in a hostile way too.
      if (random() < 0.5) socket.terminate();
      else socket.send(new Uint8Array([1, 2, 3]), () => socket.close());
      return;
    }
    connections++;
    current = socket;
    socket.send(JSON.stringify({ type: 'workerregistered', worker_id: crypto.randomUUID(), reattach_token: crypto.randomUUID() }));
    socket.on('message', (data, isBinary) => {
      if (isBinary) return;
      let f: Record<string, unknown>;
      try {
        f = JSON.parse(String(data)) as Record<string, unknown>;
      } catch {
        return;
      }
      if (f.type !== 'invokefunction' || typeof f.invocation_id !== 'string') return;
      if (f.function_id === 'engine::workers::register') {
        socket.send(JSON.stringify({ type: 'invocationresult', invocation_id: f.invocation_id, function_id: f.function_id, result: { success: true } }));
      } else {
        pending.add(f.invocation_id);
      }
    });
    socket.on('close', () => {
      if (current === socket) current = undefined;
    });
  });

  let client: III | undefined;
  let caller: III | undefined;
  let engine: Awaited<ReturnType<typeof startEngine>> | undefined;
  try {
    client = worker(`ws://127.0.0.1:${port}`, {
      workerName: uniqueName('fuzzed'),
      reconnect: { initialDelayMs: 20, maxDelayMs: 100, jitter: 0, minUptimeMs: 0 },
      heartbeat: false,
      invocationTimeoutMs: 2000,
    });
    client.on('error', () => undefined);
    client.registerFunction('fuzz::echo', (d: unknown) => d);
    client.registerFunction('fuzz::throws', () => {
      throw new Error('handler failure');
    });
    client.registerFunction('fuzz::reads', async (d: Record<string, unknown> | null) => {
      // Touch whatever arrived, as a careless handler would.
      for (const v of Object.values(d ?? {})) if (v && typeof (v as { readAll?: unknown }).readAll === 'function') await (v as { readAll(): Promise<unknown> }).readAll().catch(() => undefined);
      return Object.keys(d ?? {}).length;
    });
    client.registerTriggerType({ id: 'fuzz-type', description: 'fuzzed' }, { registerTrigger: () => undefined, unregisterTrigger: () => undefined });
    await within(client.ready(), 5000, 'the fuzzed worker accepted by the hostile engine');

    while (sent < options.frames) {
      const socket = current;
      if (!socket || socket.readyState !== socket.OPEN) {
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      // Calls of the worker's own, so that broken answers meet real pending entries.
      if (sent % 500 === 0) {
        for (let i = 0; i < 5; i++) void client.trigger({ function_id: 'faults::remote', payload: { i }, timeoutMs: 1500 }).catch(() => undefined);
      }
      for (let i = 0; i < 200 && sent < options.frames; i++, sent++) socket.send(fuzzFrame(random, targets));
      // Let the worker read what was sent before sending more.
      while (socket.readyState === socket.OPEN && socket.bufferedAmount > 1024 * 1024) await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setImmediate(r));
      if (sent % 20_000 < 200) options.log?.(`${sent} frames sent`);
    }
    await new Promise((r) => setTimeout(r, 300));

    // A good engine takes over the same port; the same worker must work again.
    for (const s of server.clients) s.terminate();
    await new Promise<void>((r) => server.close(() => r()));
    const w = client;
    let recovered = false;
    let recoverError: string | undefined;
    try {
      await waitFor(() => w.connectionState !== 'connected', 5000, 'the fuzzed worker to notice the hostile engine left');
      engine = await startEngine({ port, host: '127.0.0.1' });
      await within(client.ready(), 10_000, 'the fuzzed worker ready on the good engine');
      caller = worker(engine.url, { workerName: uniqueName('fuzz-caller') });
      await within(caller.ready(), 5000, 'caller ready');
      await registered(caller, 'fuzz::echo', 5000);
      const echoed = await within(caller.trigger({ function_id: 'fuzz::echo', payload: { after: 'fuzz' }, timeoutMs: 5000 }), 6000, 'a call to the fuzzed worker');
      caller.registerFunction('faults::remote', (d: unknown) => d);
      await within(caller.ready(), 5000, 'caller ready again');
      const back = await within(client.trigger({ function_id: 'faults::remote', payload: 7, timeoutMs: 5000 }), 6000, 'a call from the fuzzed worker');
      recovered = (echoed as { after?: string })?.after === 'fuzz' && back === 7;
      if (!recovered) recoverError = `unexpected results ${JSON.stringify(echoed)} / ${JSON.stringify(back)}`;
    } catch (error) {
      recoverError = error instanceof Error ? error.message : String(error);
    }

    const after = snapshot();
    const polluted: string[] = [];
    for (const [name, keys] of after) for (const k of keys) if (!before.get(name)!.has(k)) polluted.push(`${name}.${String(k)}`);
    if ((({}) as Record<string, unknown>)[POLLUTION_KEY] !== undefined) polluted.push(`({}).${POLLUTION_KEY}`);
    return {
      frames: sent,
      escapes: escapes.length,
      escapeExamples: escapes.slice(0, 5),
      polluted,
      recovered,
      recoverError,
      connections,
      durationMs: Date.now() - started,
    };
  } finally {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
    await Promise.all([client, caller].map((w) => (w ? within(w.shutdown(), 3000, 'shutdown').catch(() => undefined) : undefined)));
    for (const s of server.clients) s.terminate();
    await new Promise<void>((r) => server.close(() => r()));
    await engine?.close();
  }
}
