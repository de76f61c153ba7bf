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
import { POLLUTION_KEY, fuzzFrame, rng, type FuzzTargets } from './fuzz-frames.js';

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
      // The opening sequence ends with a ping that ready() waits for (§3.10).
      if (f.type === 'ping') return void socket.send('{"type":"pong"}');
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
