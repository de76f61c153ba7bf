// A child process holding one side (caller or worker) of one client kind. The orchestrator
// (run.ts) drives it over IPC, one request at a time, so each client runs in its own heap
// and its CPU time can be read on its own (process.cpuUsage).
//
//   node --import tsx --expose-gc host.ts <kind> <caller|worker> <engineUrl>
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { startCaller, startWorker, waitCallable, type BenchCaller, type BenchWorker } from './clients.js';
import { LOST, lostCallGuard } from './lost-calls.js';
import { CLIENT_KINDS, fnId, gcNow, memSample, payloadFor, type ClientKind, type HostRequest, type RoundResult } from './common.js';
import { installSplit, readSplit, resetSplit } from './split.js';

const [kindArg, role, url] = process.argv.slice(2);
const kind = kindArg as ClientKind;
if (!CLIENT_KINDS.includes(kind) || (role !== 'caller' && role !== 'worker') || !url) {
  console.error('usage: host.ts <kind> <caller|worker> <engineUrl>');
  process.exit(2);
}
// Scenario `split` only: before any socket exists, so every one of them is measured.
if (process.env.BENCH_SPLIT === '1') installSplit();
const prefix = `bench.${kind}`;
/** Whose echo function the caller calls: its own worker's unless BENCH_TARGET names another client kind (mixed pairs). */
const target = (process.env.BENCH_TARGET as ClientKind | undefined) ?? kind;

function reply(msg: unknown): void {
  process.send?.(msg);
}

const guard = lostCallGuard(Number(process.env.BENCH_STALL_MS) || 0);

async function seq(caller: BenchCaller, n: number): Promise<RoundResult> {
  const fid = fnId(target, 'echo');
  const latUs: number[] = [];
  let lost = 0;
  let stalledMs = 0;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    if (guard) {
      if ((await guard.settle(caller.call(fid, payloadFor(i)))) === LOST) {
        lost++;
        stalledMs += performance.now() - s;
        continue;
      }
    } else await caller.call(fid, payloadFor(i));
    latUs.push((performance.now() - s) * 1000);
  }
  return { calls: n - lost, ms: performance.now() - t0 - stalledMs, latUs, ...(lost ? { lost } : {}) };
}

async function pipe(caller: BenchCaller, n: number, depth: number): Promise<RoundResult> {
  const fid = fnId(target, 'echo');
  let next = 0;
  let lost = 0;
  const lane = async (): Promise<void> => {
    for (let i = next++; i < n; i = next++) {
      if (!guard) await caller.call(fid, payloadFor(i));
      else if ((await guard.settle(caller.call(fid, payloadFor(i)))) === LOST) lost++;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: Math.min(depth, n) }, lane));
  // A lost call only holds its own lane; the round ends with the last call that completed.
  const end = guard && lost ? guard.lastCompletion : performance.now();
  return { calls: n - lost, ms: end - t0, ...(lost ? { lost } : {}) };
}

/**
 * `--floor-ballast-mib N` (run.ts), a diagnostic, never used for the targets: the raw floor's
 * processes keep about N MiB of small live objects. V8 runs mark-compacts for the 64 KiB
 * ArrayBuffers a channel churns through only once the heap is past about 8 MiB: the floor's
 * processes (tsx, ws and the bench's own code, about 7 MiB after gc) stay under it, the SDK
 * clients' processes here are past it (so is any application of some size). With the ballast the
 * floor runs in the same regime, which shows how much of a channel gap that regime alone makes
 * (docs/benchmarks.md, "Channels").
 */
const ballast: unknown[] = [];
function holdBallast(mib: number): void {
  // ~88 bytes per object on 64-bit V8: about 12,000 objects per MiB.
  for (let i = 0; i < mib * 12_000; i++) ballast.push({ i, s: `ballast-${i}` });
}

async function main(): Promise<void> {
  const ballastMiB = Number(process.env.BENCH_FLOOR_BALLAST_MIB ?? 0);
  if (kind === 'raw' && ballastMiB > 0) holdBallast(ballastMiB);
  let caller: BenchCaller | undefined;
  let worker: BenchWorker | undefined;
  try {
    if (role === 'worker') worker = await startWorker(kind, url!, `bench-${kind}-worker-${process.pid}`, prefix);
    else {
      caller = await startCaller(kind, url!, `bench-${kind}-caller-${process.pid}`);
      await waitCallable(caller, fnId(target, 'echo'));
    }
  } catch (e) {
    reply({ ready: false, error: String((e as Error)?.stack ?? e) });
    return;
  }
  // --profile: sample the CPU from here on (after start-up and module loading) until 'stop';
  // the same V8 profiler and .cpuprofile format as `node --cpu-prof`, without the start-up noise.
  const profDir = process.env.BENCH_PROFILE_DIR;
  const session = profDir ? new Session() : undefined;
  const post = (method: string, params?: object): Promise<unknown> =>
    new Promise((resolve, reject) => session!.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res))));
  if (session) {
    session.connect();
    await post('Profiler.enable');
    await post('Profiler.setSamplingInterval', { interval: 100 });
    await post('Profiler.start');
  }
  reply({ ready: true, pid: process.pid });

  // Requests are handled strictly one after another.
  let chain = Promise.resolve();
  process.on('message', (raw: { id: number; req: HostRequest }) => {
    chain = chain.then(async () => {
      const { id, req } = raw;
      try {
        let value: unknown;
        switch (req.op) {
          case 'seq':
            value = await seq(caller!, req.n);
            break;
          case 'pipe':
            value = await pipe(caller!, req.n, req.depth);
            break;
          case 'channel': {
            const t0 = performance.now();
            const got = await caller!.channel(req.direction, req.bytes, prefix);
            const ms = performance.now() - t0;
            if (got !== req.bytes) throw new Error(`channel moved ${got} of ${req.bytes} bytes`);
            value = { calls: 1, ms, bytes: got } satisfies RoundResult;
            break;
          }
          case 'mem':
            gcNow();
            value = memSample();
            break;
          case 'cpu':
            value = process.cpuUsage();
            break;
          case 'splitReset':
            resetSplit();
            value = null;
            break;
          case 'split':
            value = readSplit();
            break;
          case 'stop':
            if (session) {
              const { profile } = (await post('Profiler.stop')) as { profile: unknown };
              writeFileSync(path.join(profDir!, `${kind}-${role}.cpuprofile`), JSON.stringify(profile));
            }
            await Promise.race([(caller ?? worker)?.close(), new Promise((r) => setTimeout(r, 3000))]);
            reply({ id, ok: true, value: null });
            setTimeout(() => process.exit(0), 50);
            return;
        }
        reply({ id, ok: true, value });
      } catch (e) {
        reply({ id, ok: false, error: String((e as Error)?.stack ?? e) });
      }
    });
  });
  process.on('disconnect', () => process.exit(0));
}

void main();
