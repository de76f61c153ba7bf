// Giving back the memory of bursts of traffic. Handling a frame of several MiB makes five or six
// copies of it (the received buffer, its text, the parsed value, the answer's text and buffer),
// and V8 frees large strings and buffers only when its heap limit is reached or after about half
// a minute of idleness: an engine that just served a burst would hold that garbage (hundreds of
// MiB, in a test run's own process or beside it) for that long. So the engine asks V8 for one
// full collection right after a frame of LARGE_FRAME_BYTES or more (at most one per
// MIN_INTERVAL_MS while they keep coming); ordinary traffic never triggers that. An engine with a
// process of its own (the CLI: `releaseMemoryWhenIdle`) also collects once after QUIET_MS
// without frames that followed BURST_BYTES of traffic, so the process gives back what a burst
// used; inside a test runner that would collect the runner's garbage too, so it is off there.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Timers } from './timers.js';

export const LARGE_FRAME_BYTES = 4 * 1024 * 1024;
export const BURST_BYTES = 1024 * 1024;
const QUIET_MS = 1000;
const MIN_INTERVAL_MS = 100;

type Gc = (options?: { type: 'major'; execution: 'sync'; flavor: 'regular' | 'last-resort' }) => void;
let v8gc: Gc | null | undefined;

/** V8's `gc`, obtained on first use (never at import): the flag only exposes it to a new context. */
function gc(): Gc | null {
  if (v8gc === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      v8gc = runInNewContext('gc') as Gc;
    } catch {
      v8gc = null;
    }
  }
  return v8gc;
}

export class MemoryHygiene {
  /** Traffic since the last idle collection. */
  private bytesSinceIdle = 0;
  private lastFrameAt = 0;
  private lastCollect = 0;
  private scheduled = false;

  constructor(
    private readonly timers: Timers,
    whenIdle: boolean,
  ) {
    if (!whenIdle) return;
    timers.every(QUIET_MS, () => {
      // 'last-resort' also frees the buffers' memory and the heap's spare pages (a plain
      // collection leaves them for later): the process's RSS goes back down.
      if (this.bytesSinceIdle < BURST_BYTES || Date.now() - this.lastFrameAt < QUIET_MS) return;
      this.bytesSinceIdle = 0;
      this.collect('last-resort');
    });
  }

  /** A frame of `bytes` was received or sent. */
  frame(bytes: number): void {
    this.bytesSinceIdle += bytes;
    this.lastFrameAt = Date.now();
    if (bytes < LARGE_FRAME_BYTES || this.scheduled) return;
    this.scheduled = true;
    // On the next turn of the event loop the frame's handling is over (its answer is queued and
    // its copies are garbage).
    this.timers.after(Math.max(0, this.lastCollect + MIN_INTERVAL_MS - Date.now()), () => {
      this.scheduled = false;
      this.collect('regular');
    });
  }

  private collect(flavor: 'regular' | 'last-resort'): void {
    this.lastCollect = Date.now();
    gc()?.({ type: 'major', execution: 'sync', flavor });
  }
}
