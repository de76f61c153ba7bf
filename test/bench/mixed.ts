// Which side adds the latency? Sequential calls through every caller/worker combination of two
// client kinds (default: this SDK and the raw floor), interleaved like run.ts.
//
//   npx tsx test/bench/mixed.ts [ours raw] [--rounds 10] [--n 800]
import { CLIENT_KINDS, type ClientKind } from './common.js';
import { Child } from './proc.js';
import { interleave, type ClientPair } from './speed.js';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opt = (name: string, dflt: number): number => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args.splice(i, 2)[1]) : dflt;
  };
  const rounds = opt('--rounds', 10);
  const n = opt('--n', 800);
  const [a = 'ours', b = 'raw'] = args as ClientKind[];
  for (const k of [a, b]) if (!CLIENT_KINDS.includes(k)) throw new Error(`unknown client ${k}`);
  const children: Child[] = [];
  try {
    const engine = await Child.start('engine', 'engine-host.ts', []);
    children.push(engine);
    const url = engine.detail!;
    const workers = new Map<ClientKind, Child>();
    for (const k of [a, b]) {
      const w = await Child.start(`${k}-worker`, 'host.ts', [k, 'worker', url]);
      children.push(w);
      workers.set(k, w);
    }
    const pairs: ClientPair[] = [];
    const labels = new Map<string, string>();
    for (const callerKind of [a, b]) {
      for (const workerKind of [a, b]) {
        const c = await Child.start(`${callerKind}-caller`, 'host.ts', [callerKind, 'caller', url], [], { BENCH_TARGET: workerKind });
        children.push(c);
        // interleave() groups by kind: give each combination its own key.
        const key = `${callerKind} -> ${workerKind}`;
        labels.set(key, key);
        pairs.push({ kind: key as ClientKind, caller: c, worker: workers.get(workerKind)! });
      }
    }
    const s = await interleave(engine, pairs, { op: 'seq', n }, rounds, 3, 120_000, () => undefined);
    console.log(`sequential, ${n} calls x ${rounds} rounds (caller -> worker): calls/s, p50, p99, caller+worker CPU us/call`);
    for (const [k, x] of Object.entries(s)) {
      console.log(`  ${k.padEnd(16)} ${x.rate.toFixed(0).padStart(7)}  p50 ${x.p50Us!.toFixed(0).padStart(4)} us  p99 ${x.p99Us!.toFixed(0).padStart(5)} us  cpu ${x.clientCpu.toFixed(1)}`);
    }
  } finally {
    await Promise.all(children.map((c) => c.stop()));
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
