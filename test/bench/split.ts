// Where one sequential call's time goes, measured inside each process of the real setup
// (scenario `split` of run.ts): every process wraps `ws`'s WebSocket.prototype `emit` and `send`
// and records, for each frame it receives, the time until it sends the next frame:
// - worker: invoke in -> result out (decode, find, run the handler, encode, write);
// - engine: invoke in -> invoke out to the worker, and result in -> result out to the caller;
// - caller: result in -> next invoke out (settle trigger()'s promise, the bench loop, build,
//   encode and write the next call).
// With one call in flight the pairs cannot mix. What a call's latency holds beyond these is the
// kernel, loopback and the wake-ups of the three processes (4 socket hops).
//
// Installed only in the processes of that scenario (env BENCH_SPLIT=1): wrapping emit and send
// costs a clock read per frame, which the other scenarios must not pay.
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { median } from './common.js';

/** Median µs from a frame's arrival to the next frame this process sent, by the kind of frame sent. */
export interface SplitSample {
  /** ... to an `invokefunction` (the caller's next call; the engine routing a call to its worker). */
  invokeUs: number;
  invokes: number;
  /** ... to an `invocationresult` (the worker's answer; the engine forwarding it to the caller). */
  resultUs: number;
  results: number;
}

let invokes: number[] = [];
let results: number[] = [];
let lastIn: number | undefined;

/** Wraps every `ws` socket of this process (client and server side); idempotent. */
export function installSplit(): void {
  const proto = WebSocket.prototype as unknown as Record<string, ((...args: unknown[]) => unknown) & { benchSplit?: true }>;
  if (proto.send!.benchSplit) return;
  const emit = proto.emit!;
  const send = proto.send!;
  const wrappedEmit = function (this: unknown, ...args: unknown[]) {
    // Text frames only: channel data and pings are not a call's frames.
    if (args[0] === 'message' && args[2] === false) lastIn = performance.now();
    return emit.apply(this, args);
  };
  const wrappedSend = Object.assign(
    function (this: unknown, ...args: unknown[]) {
      const text = args[0];
      // Other text frames (pings, telemetry) neither end nor start a turnaround.
      if (lastIn !== undefined && typeof text === 'string') {
        const list = text.includes('"type":"invokefunction"') ? invokes : text.includes('"type":"invocationresult"') ? results : undefined;
        if (list) {
          list.push((performance.now() - lastIn) * 1000);
          lastIn = undefined;
        }
      }
      return send.apply(this, args);
    },
    { benchSplit: true as const },
  );
  proto.emit = wrappedEmit;
  proto.send = wrappedSend;
}

export function resetSplit(): void {
  invokes = [];
  results = [];
  lastIn = undefined;
}

export function readSplit(): SplitSample {
  return { invokeUs: median(invokes), invokes: invokes.length, resultUs: median(results), results: results.length };
}
