// Heap held per pending call, in a child of its own (`--expose-gc`) so nothing else shares
// the heap. Two sides:
// - caller: N trigger() calls to a function that never answers (the raw floor's `never`,
//   so the worker costs nothing anywhere); the promises stay pending.
// - worker: N invocations of this client's own `never` handler, which never settles; the
//   invokes come from a raw socket in the orchestrator.
//
//   node --import tsx --expose-gc mem-pending.ts <kind> <caller|worker> <engineUrl>
import { startCaller, startWorker, waitCallable, type BenchCaller, type BenchWorker } from './clients.js';
import { CLIENT_KINDS, fnId, gcNow, memSample, payloadFor, sleep, waitUntil, type ClientKind, type HostRequest } from './common.js';
import { LOST, lostCallGuard } from './lost-calls.js';

const [kindArg, side, url] = process.argv.slice(2);
const kind = kindArg as ClientKind;
if (!CLIENT_KINDS.includes(kind) || (side !== 'caller' && side !== 'worker') || !url) {
  console.error('usage: mem-pending.ts <kind> <caller|worker> <engineUrl>');
  process.exit(2);
}
/** Far beyond the measurement, so no pending call times out while it is being counted. */
const PENDING_TIMEOUT_MS = 600_000;

// Through an engine that loses results (lost-calls.ts) a lost warm-up call is skipped and a lost
// barrier call is made again, instead of stalling this child until its hello times out.
const guard = lostCallGuard(Number(process.env.BENCH_STALL_MS) || 0);
async function echo(caller: BenchCaller, i: number, timeoutMs?: number): Promise<boolean> {
  const call = caller.call(fnId('raw', 'echo'), payloadFor(i), timeoutMs);
  if (!guard) return call.then(() => true);
  return (await guard.settle(call)) !== LOST;
}

async function main(): Promise<void> {
  let caller: BenchCaller | undefined;
  let worker: BenchWorker | undefined;
  try {
    if (side === 'caller') {
      caller = await startCaller(kind, url!, `bench-mem-${kind}-caller`);
      await waitCallable(caller, fnId('raw', 'echo'));
      // Warm the call path so the baseline already holds what one call allocates once (JIT, maps).
      for (let i = 0; i < 500; i++) await echo(caller, i);
    } else {
      worker = await startWorker(kind, url!, `bench-mem-${kind}-worker`, `bench.mem-${kind}`);
    }
  } catch (e) {
    process.send?.({ ready: false, error: String((e as Error)?.stack ?? e) });
    return;
  }
  process.send?.({ ready: true, pid: process.pid });

  let fired = 0;
  process.on('message', async ({ id, req }: { id: number; req: HostRequest }) => {
    try {
      let value: unknown;
      if (req.op === 'memBaseline') {
        await sleep(100);
        gcNow();
        value = memSample();
      } else if (req.op === 'memFire') {
        for (let i = 0; i < req.n; i++) {
          const p = caller!.call(fnId('raw', 'never'), payloadFor(i), PENDING_TIMEOUT_MS);
          // Not kept by the bench: what stays alive is what the client itself holds.
          p.catch(() => undefined);
          fired++;
        }
        // Frames leave in order and the engine reads them in order (§2.4): once this answer
        // is back, every call above has been sent and routed.
        for (let attempt = 1; !(await echo(caller!, 0, 30_000)); attempt++) {
          if (attempt >= 5) throw new Error('the barrier call was lost five times');
        }
        await sleep(100);
        gcNow();
        value = memSample();
      } else if (req.op === 'memSettle') {
        await waitUntil(() => worker!.neverCount >= req.n, 60_000, `${req.n} pending invocations delivered`, 20);
        await sleep(200);
        gcNow();
        value = memSample();
      } else if (req.op === 'stop') {
        process.send?.({ id, ok: true, value: fired });
        // Pending calls are abandoned with the process; shutting the client down would
        // reject 10,000 promises for nothing.
        setTimeout(() => process.exit(0), 20);
        return;
      } else throw new Error(`mem-pending: unknown op ${req.op}`);
      process.send?.({ id, ok: true, value });
    } catch (e) {
      process.send?.({ id, ok: false, error: String((e as Error)?.stack ?? e) });
    }
  });
  process.on('disconnect', () => process.exit(0));
}

void main();
