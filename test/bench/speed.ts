// Invocation and channel rounds, interleaved across clients (A B C D, then B C D A, ...) so
// every client sees the same machine noise; each figure is the median over rounds.
import { median, percentile, type ClientKind, type CpuSample, type RoundResult } from './common.js';
import type { EngineCpuSource } from './external-engine.js';
import type { Child } from './proc.js';

export interface ClientPair {
  kind: ClientKind;
  caller: Child;
  worker: Child;
}

export interface RoundStats {
  /** calls/s (invocations) or MB/s (channels), one per measured round. */
  rates: number[];
  rate: number;
  p50Us?: number;
  p99Us?: number;
  /** Caller + worker CPU time per call (µs) or per MB (ms), one per measured round. */
  cpus: number[];
  /** Caller + worker CPU time per call (µs) or per MB (ms), median over rounds. */
  clientCpu: number;
  /** Engine CPU time per call (µs) or per MB (ms), median over rounds. */
  engineCpu: number;
  /** Engine CPU time / wall time during the rounds (1 = one core saturated). */
  engineBusy: number;
  /** Calls whose result never came, over all measured rounds (lost-calls.ts). */
  lost?: number;
}

const cpuTotal = (c: CpuSample): number => c.user + c.system; // µs

export type RoundRequest =
  | { op: 'seq'; n: number }
  | { op: 'pipe'; n: number; depth: number }
  | { op: 'channel'; bytes: number; direction: 'toCaller' | 'toWorker' };

export async function interleave(
  engine: EngineCpuSource,
  pairs: ClientPair[],
  req: RoundRequest,
  rounds: number,
  warmup: number,
  timeoutMs: number,
  log: (s: string) => void,
): Promise<Record<string, RoundStats>> {
  const raw = new Map<ClientKind, Array<{ r: RoundResult; clientCpuUs: number; engineCpuUs: number }>>();
  for (const p of pairs) raw.set(p.kind, []);
  for (let round = -warmup; round < rounds; round++) {
    const order = pairs.map((_, i) => pairs[(i + Math.max(round, 0)) % pairs.length]!);
    for (const p of order) {
      const [c0, w0, e0] = await Promise.all([
        p.caller.request<CpuSample>({ op: 'cpu' }, 5000),
        p.worker.request<CpuSample>({ op: 'cpu' }, 5000),
        engine.request<CpuSample>({ op: 'cpu' }, 5000),
      ]);
      const r = await p.caller.request<RoundResult>(req, timeoutMs);
      const [c1, w1, e1] = await Promise.all([
        p.caller.request<CpuSample>({ op: 'cpu' }, 5000),
        p.worker.request<CpuSample>({ op: 'cpu' }, 5000),
        engine.request<CpuSample>({ op: 'cpu' }, 5000),
      ]);
      if (round < 0) continue;
      raw.get(p.kind)!.push({
        r,
        clientCpuUs: cpuTotal(c1) - cpuTotal(c0) + cpuTotal(w1) - cpuTotal(w0),
        engineCpuUs: cpuTotal(e1) - cpuTotal(e0),
      });
    }
    if (round >= 0 && (round + 1) % Math.ceil(rounds / 3) === 0) log(`    round ${round + 1}/${rounds} done`);
  }
  const out: Record<string, RoundStats> = {};
  for (const [kind, rs] of raw) {
    const isChannel = req.op === 'channel';
    // Channels: MB/s with MB = 10^6 bytes; cost per MB in ms. Invocations: calls/s, cost per call in µs.
    const units = (x: { r: RoundResult }): number => (isChannel ? x.r.bytes! / 1e6 : x.r.calls);
    const rates = rs.map((x) => units(x) / (x.r.ms / 1000));
    const cpus = rs.map((x) => (isChannel ? x.clientCpuUs / 1000 : x.clientCpuUs) / units(x));
    const stats: RoundStats = {
      rates,
      rate: median(rates),
      cpus,
      clientCpu: median(cpus),
      engineCpu: median(rs.map((x) => (isChannel ? x.engineCpuUs / 1000 : x.engineCpuUs) / units(x))),
      engineBusy: median(rs.map((x) => x.engineCpuUs / 1000 / x.r.ms)),
    };
    const lost = rs.reduce((n, x) => n + (x.r.lost ?? 0), 0);
    if (lost) stats.lost = lost;
    if (req.op === 'seq') {
      stats.p50Us = median(rs.map((x) => percentile(x.r.latUs!, 50)));
      stats.p99Us = median(rs.map((x) => percentile(x.r.latUs!, 99)));
    }
    out[kind] = stats;
  }
  return out;
}
