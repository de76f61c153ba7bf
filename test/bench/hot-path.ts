// The SDK's own CPU per call, without sockets: a caller and a worker of this SDK in one process,
// joined by an in-memory "engine" that passes frames through untouched (the caller's invoke text
// goes to the worker as is; the worker's result text goes back as is), beside the same loop for
// the raw floor's frame handling (one JSON.parse / JSON.stringify per frame, a Map of pending
// calls). Everything `ws`, the kernel and the engine cost is left out, so what remains is the
// JavaScript each client runs per call; CPU time (process.cpuUsage) over many calls, so a busy
// machine moves it little. Frames are handed over in a microtask, as a socket would hand them
// over in a later task: no reentrancy the real path cannot have.
//
//   npx tsx test/bench/hot-path.ts [--n 200000] [--rounds 7]          (this repository's dist/, else src/)
//   BENCH_OURS_ENTRY=/path/to/dist/node/index.js npx tsx test/bench/hot-path.ts   (another build)
//   npx tsx test/bench/hot-path.ts --ab /a/dist/node/index.js /b/dist/node/index.js ... (interleaved, named by folder)
//   node --cpu-prof --import tsx test/bench/hot-path.ts --no-raw   (a profile of this SDK's code alone)
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { median, oursNodeEntry, payloadFor } from './common.js';

interface Handlers {
  onOpen(): void;
  onMessage(data: string | Uint8Array): void;
  onClose(code: number, reason: string): void;
  onError(error: Error): void;
}
interface OursLike {
  registerFunction(id: string, handler: (data: unknown) => unknown): unknown;
  trigger(request: { function_id: string; payload: unknown }): Promise<unknown>;
  ready(): Promise<void>;
  shutdown(): Promise<void>;
}
interface OursModuleLike {
  III: new (platform: unknown, address: string, options: Record<string, unknown>) => OursLike;
  createNodePlatform(): Record<string, unknown>;
}

const FN = 'bench.hot::echo';

/** A tiny engine: workerregistered on open, announce answered, invokes routed by function id, results by invocation id. */
function loopEngine() {
  const byFunction = new Map<string, Handlers>();
  const waiting = new Map<string, Handlers>();
  const connect = (_url: string, _options: unknown, h: Handlers) => {
    queueMicrotask(() => {
      h.onOpen();
      h.onMessage(JSON.stringify({ type: 'workerregistered', worker_id: randomUUID(), reattach_token: randomUUID() }));
    });
    return {
      send(data: string | Uint8Array) {
        const text = data as string;
        // The hot frames are recognised by their opening bytes: parsing them here would add the
        // engine's JSON cost to the measure.
        if (text.startsWith('{"type":"invocationresult"')) {
          const id = text.slice(text.indexOf('"invocation_id":"') + 17).slice(0, 36);
          const to = waiting.get(id);
          waiting.delete(id);
          if (to) queueMicrotask(() => to.onMessage(text));
          return;
        }
        if (text.startsWith('{"type":"invokefunction","function_id":"bench.hot::echo"')) {
          const id = text.slice(text.lastIndexOf('"invocation_id":"') + 17).slice(0, 36);
          waiting.set(id, h);
          const worker = byFunction.get(FN)!;
          queueMicrotask(() => worker.onMessage(text));
          return;
        }
        const f = JSON.parse(text) as Record<string, unknown>;
        if (f.type === 'registerfunction') byFunction.set(f.id as string, h);
        else if (f.type === 'ping') queueMicrotask(() => h.onMessage('{"type":"pong"}'));
        else if (f.type === 'invokefunction' && f.function_id === 'engine::workers::register' && f.invocation_id) {
          queueMicrotask(() => h.onMessage(JSON.stringify({ type: 'invocationresult', invocation_id: f.invocation_id, function_id: f.function_id, result: { success: true } })));
        }
      },
      close() {
        queueMicrotask(() => h.onClose(1000, ''));
      },
      bufferedAmount: () => 0,
    };
  };
  return { connect };
}

/** The raw floor's frame handling (client-raw.ts), joined the same way. */
function rawPair() {
  const pending = new Map<string, { resolve(v: unknown): void; reject(e: Error): void }>();
  const workerOnFrame = (text: string): void => {
    const f = JSON.parse(text) as Record<string, unknown>;
    const out = f.data;
    const reply = JSON.stringify({ type: 'invocationresult', invocation_id: f.invocation_id, function_id: f.function_id, result: out });
    queueMicrotask(() => callerOnFrame(reply));
  };
  const callerOnFrame = (text: string): void => {
    const f = JSON.parse(text) as Record<string, unknown>;
    const p = pending.get(f.invocation_id as string);
    if (!p) return;
    pending.delete(f.invocation_id as string);
    if (f.error) p.reject(new Error('x'));
    else p.resolve(f.result);
  };
  return {
    call(function_id: string, data: unknown): Promise<unknown> {
      const invocation_id = randomUUID();
      return new Promise((resolve, reject) => {
        pending.set(invocation_id, { resolve, reject });
        const text = JSON.stringify({ type: 'invokefunction', invocation_id, function_id, data });
        queueMicrotask(() => workerOnFrame(text));
      });
    },
  };
}

type Call = (i: number) => Promise<unknown>;

async function seq(call: Call, n: number): Promise<number> {
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) await call(i);
  const c = process.cpuUsage(c0);
  return ((c.user + c.system) * 1000) / n; // ns per call
}

async function pipe(call: Call, n: number, depth: number): Promise<number> {
  let next = 0;
  const lane = async (): Promise<void> => {
    for (let i = next++; i < n; i = next++) await call(i);
  };
  const c0 = process.cpuUsage();
  await Promise.all(Array.from({ length: depth }, lane));
  const c = process.cpuUsage(c0);
  return ((c.user + c.system) * 1000) / n;
}

async function oursPair(file: string): Promise<{ call: Call; close(): Promise<void> }> {
  const mod = (await import(pathToFileURL(file).href)) as OursModuleLike;
  const engine = loopEngine();
  const platform = { ...mod.createNodePlatform(), connect: engine.connect };
  const worker = new mod.III(platform, 'ws://loop', { workerName: 'hot-worker' });
  worker.registerFunction(FN, (data) => data);
  await worker.ready();
  const caller = new mod.III(platform, 'ws://loop', { workerName: 'hot-caller' });
  await caller.ready();
  return {
    call: (i) => caller.trigger({ function_id: FN, payload: payloadFor(i) }),
    close: async () => {
      await caller.shutdown();
      await worker.shutdown();
    },
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opt = (name: string, dflt: number): number => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args.splice(i, 2)[1]) : dflt;
  };
  const n = opt('--n', 200_000);
  const rounds = opt('--rounds', 7);
  const abAt = args.indexOf('--ab');
  // --ab a.js b.js ...: each build is named by its folder (dist/node/index.js -> node).
  const builds: Array<[string, string]> =
    abAt >= 0 ? args.slice(abAt + 1).filter((a) => !a.startsWith('--')).map((f) => [path.basename(path.dirname(f)), f]) : [['ours', oursNodeEntry().file]];
  const clients: Array<[string, Call]> = [];
  const closers: Array<() => Promise<void>> = [];
  for (const [name, file] of builds) {
    const pair = await oursPair(file);
    clients.push([name, pair.call]);
    closers.push(pair.close);
    console.log(`${name}: ${file}`);
  }
  const raw = rawPair();
  clients.push(['raw', (i) => raw.call(FN, payloadFor(i))]);
  // --no-raw: this SDK alone (for a CPU profile of its own code).
  if (args.includes('--no-raw')) clients.pop();
  const results = new Map<string, { seq: number[]; pipe: number[] }>(clients.map(([k]) => [k, { seq: [], pipe: [] }]));
  // Warm-up (JIT), then interleaved rounds: A B raw, B raw A, ...
  for (const [, call] of clients) {
    await seq(call, Math.min(n, 20_000));
    await pipe(call, Math.min(n, 20_000), 64);
  }
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < clients.length; k++) {
      const [name, call] = clients[(k + r) % clients.length]!;
      results.get(name)!.seq.push(await seq(call, n));
      results.get(name)!.pipe.push(await pipe(call, n, 64));
    }
  }
  const rawS = median(results.get('raw')?.seq ?? [NaN]);
  const rawP = median(results.get('raw')?.pipe ?? [NaN]);
  console.log(`SDK JavaScript per call, caller + worker, no sockets (median of ${rounds} rounds x ${n} calls), ns`);
  for (const [name, r] of results) {
    const s = median(r.seq);
    const p = median(r.pipe);
    console.log(`  ${name.padEnd(8)} sequential ${s.toFixed(0).padStart(6)} (${(s / rawS).toFixed(2)}x raw)   pipelined 64 ${p.toFixed(0).padStart(6)} (${(p / rawP).toFixed(2)}x raw)`);
  }
  for (const close of closers) await close();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
