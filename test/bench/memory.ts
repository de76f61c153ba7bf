// Memory scenarios, driven from the orchestrator.
import { RawConn } from './client-raw.js';
import { payloadFor, waitUntil, type ClientKind, type MemSample, type RoundResult } from './common.js';
import { Child } from './proc.js';
import type { ClientPair } from './speed.js';

export interface PendingResult {
  n: number;
  /** Heap bytes per pending call on the calling side (after - before, both after gc). */
  callerBytesPerCall: number;
  /** Heap bytes per in-flight invocation on the worker side (handler never settles). */
  workerBytesPerCall: number;
  callerRssPerCall: number;
  workerRssPerCall: number;
}

/** Hello deadline of the heap-per-pending children (see below). */
const HELLO_MS = 120_000;

export async function measurePending(url: string, kinds: ClientKind[], n: number, log: (s: string) => void): Promise<Record<string, PendingResult>> {
  const out: Record<string, PendingResult> = {};
  for (const kind of kinds) {
    // Caller side.
    // Its hello follows 500 warm-up calls: on a loaded machine, through an engine that loses
    // results (lost-calls.ts), that can take longer than the default 30 s.
    const c = await Child.start(`mem-${kind}-caller`, 'mem-pending.ts', [kind, 'caller', url], [], {}, HELLO_MS);
    let callerBefore: MemSample, callerAfter: MemSample;
    try {
      callerBefore = await c.request<MemSample>({ op: 'memBaseline' }, 30_000);
      callerAfter = await c.request<MemSample>({ op: 'memFire', n }, 120_000);
    } finally {
      await c.stop();
    }

    // Worker side: a raw socket here sends the invocations, so the child's heap holds only
    // what the client keeps per in-flight invocation.
    const w = await Child.start(`mem-${kind}-worker`, 'mem-pending.ts', [kind, 'worker', url], [], {}, HELLO_MS);
    const conn = await RawConn.open(url, `bench-mem-${kind}-driver`);
    let workerBefore: MemSample, workerAfter: MemSample;
    try {
      const prefix = `bench.mem-${kind}`;
      await waitUntil(
        () =>
          conn.call(`${prefix}::echo`, { probe: true }).then(
            () => true,
            () => false,
          ),
        20_000,
        `${prefix}::echo callable`,
        50,
      );
      workerBefore = await w.request<MemSample>({ op: 'memBaseline' }, 30_000);
      for (let i = 0; i < n; i++) conn.call(`${prefix}::never`, payloadFor(i)).catch(() => undefined);
      workerAfter = await w.request<MemSample>({ op: 'memSettle', n }, 120_000);
    } finally {
      await w.stop();
      await conn.close();
    }
    out[kind] = {
      n,
      callerBytesPerCall: (callerAfter.heapUsed - callerBefore.heapUsed) / n,
      workerBytesPerCall: (workerAfter.heapUsed - workerBefore.heapUsed) / n,
      callerRssPerCall: (callerAfter.rss - callerBefore.rss) / n,
      workerRssPerCall: (workerAfter.rss - workerBefore.rss) / n,
    };
    log(`    ${kind}: caller ${out[kind]!.callerBytesPerCall.toFixed(0)} B/pending, worker ${out[kind]!.workerBytesPerCall.toFixed(0)} B/pending`);
  }
  return out;
}

export interface MillionSample {
  calls: number;
  callerHeap: number;
  callerRss: number;
  workerHeap: number;
  workerRss: number;
}

export interface MillionResult {
  total: number;
  depth: number;
  callsPerSec: number;
  samples: MillionSample[];
  /** Calls whose result never came (lost-calls.ts). */
  lost?: number;
  /** Heap growth from the first checkpoint (a quarter of the calls) to the last, caller + worker, bytes per call. */
  growthBytesPerCall: number;
  callerHeapGrowth: number;
  workerHeapGrowth: number;
}

const MILLION_DEPTH = 64;
const CHECKPOINTS = 4;

/** Runs `total` calls in four chunks and samples heap (after gc) and RSS at each checkpoint. */
export async function measureMillion(pairs: ClientPair[], total: number, log: (s: string) => void): Promise<Record<string, MillionResult>> {
  const out: Record<string, MillionResult> = {};
  for (const p of pairs) {
    const sample = async (calls: number): Promise<MillionSample> => {
      const [c, w] = await Promise.all([p.caller.request<MemSample>({ op: 'mem' }, 30_000), p.worker.request<MemSample>({ op: 'mem' }, 30_000)]);
      return { calls, callerHeap: c.heapUsed, callerRss: c.rss, workerHeap: w.heapUsed, workerRss: w.rss };
    };
    const samples = [await sample(0)];
    const chunk = Math.floor(total / CHECKPOINTS);
    let ms = 0;
    let calls = 0;
    let lost = 0;
    for (let i = 1; i <= CHECKPOINTS; i++) {
      const r = await p.caller.request<RoundResult>({ op: 'pipe', n: chunk, depth: MILLION_DEPTH }, 600_000);
      ms += r.ms;
      calls += r.calls;
      lost += r.lost ?? 0;
      samples.push(await sample(chunk * i));
    }
    const first = samples[1]!;
    const last = samples[samples.length - 1]!;
    const span = last.calls - first.calls;
    out[p.kind] = {
      total: chunk * CHECKPOINTS,
      depth: MILLION_DEPTH,
      callsPerSec: calls / (ms / 1000),
      ...(lost ? { lost } : {}),
      samples,
      callerHeapGrowth: last.callerHeap - first.callerHeap,
      workerHeapGrowth: last.workerHeap - first.workerHeap,
      growthBytesPerCall: (last.callerHeap - first.callerHeap + last.workerHeap - first.workerHeap) / span,
    };
    log(`    ${p.kind}: ${out[p.kind]!.callsPerSec.toFixed(0)} calls/s, heap growth ${out[p.kind]!.growthBytesPerCall.toFixed(3)} B/call`);
  }
  return out;
}
