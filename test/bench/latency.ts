// Scenario `split`: where one sequential call's time goes, for each client, in the real
// process layout (an engine process, a caller process and a worker process per client) and
// with nothing else connected. Each process measures its own turnaround (split.ts); rounds are
// interleaved across clients and every figure is a median over rounds.
import { median, percentile, type ClientKind, type RoundResult } from './common.js';
import { Child } from './proc.js';
import type { SplitSample } from './split.js';

export interface LatencySplit {
  /** Median over rounds of each round's p50 call latency (trigger() to its result), µs. */
  p50Us: number;
  /** Caller: result in -> next invoke out. */
  callerUs: number;
  /** Worker: invoke in -> result out. */
  workerUs: number;
  /** Engine: invoke in -> invoke out, plus result in -> result out. */
  engineUs: number;
  /** The rest of the p50: 4 socket hops through the kernel and loopback, and the wake-ups of 3 processes. */
  wireUs: number;
  /** Caller + worker CPU per call during these rounds (µs). */
  clientCpuUs: number;
}

const cpuTotal = (c: { user: number; system: number }): number => c.user + c.system;

export async function measureSplit(kinds: ClientKind[], n: number, rounds: number, log: (s: string) => void): Promise<Record<string, LatencySplit>> {
  const env = { BENCH_SPLIT: '1' };
  const children: Child[] = [];
  try {
    const engine = await Child.start('split-engine', 'engine-host.ts', [], [], env);
    children.push(engine);
    const url = engine.detail!;
    const pairs: Array<{ kind: ClientKind; caller: Child; worker: Child }> = [];
    for (const kind of kinds) {
      const worker = await Child.start(`split-${kind}-worker`, 'host.ts', [kind, 'worker', url], [], env);
      children.push(worker);
      const caller = await Child.start(`split-${kind}-caller`, 'host.ts', [kind, 'caller', url], [], env);
      children.push(caller);
      pairs.push({ kind, caller, worker });
    }
    const perRound = new Map<ClientKind, LatencySplit[]>(kinds.map((k) => [k, []]));
    const warmup = 3;
    for (let round = -warmup; round < rounds; round++) {
      const order = pairs.map((_, i) => pairs[(i + Math.max(round, 0)) % pairs.length]!);
      for (const p of order) {
        const parts = [p.caller, p.worker, engine];
        await Promise.all(parts.map((c) => c.request({ op: 'splitReset' }, 5000)));
        const [c0, w0] = await Promise.all([p.caller.request<{ user: number; system: number }>({ op: 'cpu' }, 5000), p.worker.request<{ user: number; system: number }>({ op: 'cpu' }, 5000)]);
        const r = await p.caller.request<RoundResult>({ op: 'seq', n }, 120_000);
        const [c1, w1] = await Promise.all([p.caller.request<{ user: number; system: number }>({ op: 'cpu' }, 5000), p.worker.request<{ user: number; system: number }>({ op: 'cpu' }, 5000)]);
        const [caller, worker, eng] = await Promise.all(parts.map((c) => c.request<SplitSample>({ op: 'split' }, 5000)));
        if (round < 0) continue;
        const p50Us = percentile(r.latUs!, 50);
        const engineUs = eng!.invokeUs + eng!.resultUs;
        perRound.get(p.kind)!.push({
          p50Us,
          callerUs: caller!.invokeUs,
          workerUs: worker!.resultUs,
          engineUs,
          wireUs: p50Us - caller!.invokeUs - worker!.resultUs - engineUs,
          clientCpuUs: (cpuTotal(c1) - cpuTotal(c0) + cpuTotal(w1) - cpuTotal(w0)) / n,
        });
      }
      if (round >= 0 && (round + 1) % Math.ceil(rounds / 3) === 0) log(`    round ${round + 1}/${rounds} done`);
    }
    const out: Record<string, LatencySplit> = {};
    for (const [kind, rs] of perRound) {
      const m = (f: (x: LatencySplit) => number): number => median(rs.map(f));
      out[kind] = { p50Us: m((x) => x.p50Us), callerUs: m((x) => x.callerUs), workerUs: m((x) => x.workerUs), engineUs: m((x) => x.engineUs), wireUs: m((x) => x.wireUs), clientCpuUs: m((x) => x.clientCpuUs) };
    }
    return out;
  } finally {
    await Promise.all(children.map((c) => c.stop()));
  }
}
