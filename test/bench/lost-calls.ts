// Through the real iii engine a call's result is sometimes lost (docs/real-engine.md: the engine
// records the pending call only after it has sent the invoke, so a fast answer finds no caller).
// The caller then waits until its own timeout, and a round would stall for 30 s or forever (the
// raw floor has no timeout). With `--engine-url`, run.ts sets BENCH_STALL_MS and every call of
// every client goes through this guard: a call still pending after about that long (between 0.75
// and 1 times BENCH_STALL_MS) is counted as lost and the round goes on. host.ts leaves lost
// calls and the time they stalled out of the figures and reports the count.
//
// No timer per call (it would cost every client on the hot path): calls are grouped into epochs
// of a quarter of the stall time, and one interval abandons the epoch that has become too old.
import { performance } from 'node:perf_hooks';

export const LOST = Symbol('lost');

export interface LostCallGuard {
  /** `call`, or LOST when it was still pending about the stall time after it started. */
  settle<T>(call: Promise<T>): Promise<T | typeof LOST>;
  /** performance.now() of the last completed call. */
  readonly lastCompletion: number;
}

const EPOCHS = 4;

interface Epoch {
  abandoned: Promise<typeof LOST>;
  abandon(): void;
}

function epoch(): Epoch {
  let abandon!: () => void;
  const abandoned = new Promise<typeof LOST>((resolve) => (abandon = () => resolve(LOST)));
  return { abandoned, abandon };
}

export function lostCallGuard(stallMs: number): LostCallGuard | undefined {
  if (!(stallMs > 0)) return undefined;
  let lastCompletion = performance.now();
  // The newest epoch last; the oldest is abandoned when a new one begins.
  const epochs: Epoch[] = Array.from({ length: EPOCHS }, epoch);
  const timer = setInterval(() => {
    epochs.shift()!.abandon();
    epochs.push(epoch());
  }, stallMs / EPOCHS);
  timer.unref();
  return {
    get lastCompletion() {
      return lastCompletion;
    },
    async settle<T>(call: Promise<T>): Promise<T | typeof LOST> {
      const value = await Promise.race([call, epochs[EPOCHS - 1]!.abandoned]);
      if (value !== LOST) lastCompletion = performance.now();
      return value;
    },
  };
}
