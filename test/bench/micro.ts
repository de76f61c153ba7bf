// Per-frame cost of the SDK's inbound hot path, in isolation (no sockets): JSON.parse alone
// (what the raw floor does) against decodeFrame (parse + valibot), and ref materialisation
// of a payload without refs. Used to back the profiling notes in docs/benchmarks.md.
//
//   npx tsx test/bench/micro.ts [--src /path/to/a/patched/copy]   (default: this repository)
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { ROOT, median, payloadFor } from './common.js';

const srcFlag = process.argv.indexOf('--src');
const base = srcFlag >= 0 ? path.resolve(process.argv[srcFlag + 1] ?? '.') : ROOT;
const load = (rel: string): Promise<Record<string, unknown>> => import(pathToFileURL(path.join(base, rel)).href) as Promise<Record<string, unknown>>;
type Decode = (data: string) => unknown;
type Materialize = (data: unknown, create: (ref: unknown) => unknown) => unknown;
const decodeFrame = (await load('src/protocol/decode.ts')).decodeFrame as Decode;
const mat = await load('src/channels/materialize.ts');
const materializeChannelRefs = mat.materializeChannelRefs as Materialize;
// Builds with the gate (containsChannelRef, since the hot-path fix) skip the copy when there is
// no ref; older copies of src/ (--src) have no gate and always copy.
const containsChannelRef = mat.containsChannelRef as ((data: unknown) => boolean) | undefined;
const materialize: Materialize = containsChannelRef ? (d, c) => (containsChannelRef(d) ? materializeChannelRefs(d, c) : d) : materializeChannelRefs;

const ITER = 200_000;
const REPEAT = 7;

function time(name: string, fn: (i: number) => unknown): number {
  let sink: unknown;
  const runs: number[] = [];
  for (let r = 0; r < REPEAT; r++) {
    const t0 = performance.now();
    for (let i = 0; i < ITER; i++) sink = fn(i);
    runs.push(((performance.now() - t0) * 1000) / ITER);
  }
  if (sink === Symbol.for('never')) console.log(sink);
  const ns = median(runs.slice(1)) * 1000;
  console.log(`  ${name.padEnd(58)} ${ns.toFixed(0).padStart(6)} ns/frame`);
  return ns;
}

const worker = randomUUID();
const data = { ...payloadFor(1), _caller_worker_id: worker };
const result = JSON.stringify({ type: 'invocationresult', invocation_id: randomUUID(), function_id: 'bench.ours::echo', result: data });
const invoke = JSON.stringify({ type: 'invokefunction', invocation_id: randomUUID(), function_id: 'bench.ours::echo', data });
const parsedInvoke = JSON.parse(invoke) as { data: unknown };

console.log(`sources: ${path.relative(process.cwd(), base) || '.'}`);
console.log(`inbound frame costs (median of ${REPEAT - 1} x ${ITER}); frames of ${result.length} and ${invoke.length} bytes`);
const pr = time('JSON.parse(invocationresult)            [raw floor]', () => JSON.parse(result));
const dr = time('decodeFrame(invocationresult)           [ours]', () => decodeFrame(result));
const pi = time('JSON.parse(invokefunction)              [raw floor]', () => JSON.parse(invoke));
const di = time('decodeFrame(invokefunction)             [ours]', () => decodeFrame(invoke));
const mi = time('ref materialisation (data without refs)  [ours]', () => materialize(parsedInvoke.data, (r) => r));
time('JSON.stringify(invocationresult frame)  [both]', () => JSON.stringify({ type: 'invocationresult', invocation_id: 'x', function_id: 'f', result: data }));
time('text.trim() of the frame                 [ours]', () => result.trim());
console.log(`  => validation adds ${(dr - pr).toFixed(0)} ns per result frame and ${(di - pi).toFixed(0)} ns per invoke frame; materialisation ${mi.toFixed(0)} ns per invoke`);
