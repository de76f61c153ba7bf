// Through the real iii engine a call's result is sometimes lost (docs/real-engine.md: the engine
// records the pending call only after it has sent the invoke, so a fast answer finds no caller).
// The caller then waits until its own timeout, and a round would stall for 30 s or forever (the
// raw floor has no timeout). With `--engine-url`, run.ts sets BENCH_STALL_MS and every call of
// every client goes through this guard: when no call has completed for that long while calls are
// pending, the pending ones are counted as lost and the round goes on. host.ts leaves lost calls
// and the time they stalled out of the figures and reports the count.
import { performance } from 'node:perf_hooks';

export const LOST = Symbol('lost');

export interface LostCallGuard {
  /** `call`, or LOST when no call completed for the stall time while it was pending. */
  settle<T>(call: Promise<T>): Promise<T | typeof LOST>;
  /** performance.now() of the last completed call. */
  readonly lastCompletion: number;
}

export function lostCallGuard(stallMs: number): LostCallGuard | undefined {
  if (!(stallMs > 0)) return undefined;
  let pending = 0;
  let lastProgress = performance.now();
  let lastCompletion = lastProgress;
  let abandon!: (value: typeof LOST) => void;
  let abandoned = new Promise<typeof LOST>((resolve) => (abandon = resolve));
  const timer = setInterval(() => {
    if (pending === 0 || performance.now() - lastProgress < stallMs) return;
    abandon(LOST);
    abandoned = new Promise<typeof LOST>((resolve) => (abandon = resolve));
    lastProgress = performance.now();
  }, Math.max(50, stallMs / 4));
  timer.unref();
  return {
    get lastCompletion() {
      return lastCompletion;
    },
    async settle<T>(call: Promise<T>): Promise<T | typeof LOST> {
      // Idle time between rounds is no stall.
      if (pending++ === 0) lastProgress = performance.now();
      try {
        const value = await Promise.race([call, abandoned]);
        if (value !== LOST) lastProgress = lastCompletion = performance.now();
        return value;
      } finally {
        pending--;
      }
    },
  };
}
