// Where a sequential call's time goes inside the client processes: the time from a frame's
// arrival on a client socket ('message') to the next frame that socket sends. On the worker:
// invoke in -> result out; on the caller: result in -> next invoke out (resolving trigger(),
// the bench loop, building and sending the next call). One process, one engine, no load from
// other clients; `ws` is instrumented by wrapping WebSocket.prototype.emit/send.
//
//   npx tsx test/bench/latency-split.ts            (BENCH_OURS_ENTRY=<build> to try another build)
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { startEngine } from '../engine/index.js';
import { startCaller, startWorker, waitCallable } from './clients.js';
import { median, payloadFor, type ClientKind } from './common.js';

type Tagged = WebSocket & { benchTag?: string; benchLastIn?: number };
const samples = new Map<string, number[]>();
const proto = WebSocket.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
const emit = proto.emit!;
const send = proto.send!;
const setSocket = proto.setSocket!;
const clientSockets: Tagged[] = [];
proto.emit = function (this: Tagged, ...args: unknown[]) {
  if (args[0] === 'message' && this.benchTag) this.benchLastIn = performance.now();
  return emit.apply(this, args);
};
proto.send = function (this: Tagged, ...args: unknown[]) {
  if (this.benchTag && this.benchLastIn !== undefined) {
    const list = samples.get(this.benchTag) ?? [];
    list.push((performance.now() - this.benchLastIn) * 1000);
    samples.set(this.benchTag, list);
    this.benchLastIn = undefined;
  }
  return send.apply(this, args);
};
proto.setSocket = function (this: Tagged & { _isServer?: boolean }, ...args: unknown[]) {
  if (!this._isServer) clientSockets.push(this);
  return setSocket.apply(this, args);
};

const WARM = 3000;
const N = 5000;
const engine = await startEngine({ host: '127.0.0.1', port: 0, log: () => undefined });
try {
  for (const kind of ['raw', 'ours', 'raw', 'ours'] as ClientKind[]) {
    clientSockets.length = 0;
    const worker = await startWorker(kind, engine.url, `split-${kind}-w-${samples.size}`, `bench.${kind}`);
    await new Promise((r) => setTimeout(r, 100));
    for (const s of clientSockets.splice(0)) s.benchTag = `${kind} worker: invoke in -> result out`;
    const caller = await startCaller(kind, engine.url, `split-${kind}-c-${samples.size}`);
    await waitCallable(caller, `bench.${kind}::echo`);
    for (const s of clientSockets.splice(0)) s.benchTag = `${kind} caller: result in -> next invoke out`;
    for (let i = 0; i < WARM; i++) await caller.call(`bench.${kind}::echo`, payloadFor(i));
    samples.clear();
    for (let i = 0; i < N; i++) await caller.call(`bench.${kind}::echo`, payloadFor(i));
    for (const [tag, v] of samples) console.log(`  ${tag.padEnd(42)} median ${median(v).toFixed(1).padStart(5)} us  (${v.length} calls)`);
    await caller.close();
    await worker.close();
  }
} finally {
  await engine.close();
}
process.exit(0);
