// Giving back the memory of large frames. Handling a frame of a few MiB makes five or six copies
// of it (the received buffer, its text, the parsed value, the answer's text and buffer), and V8
// frees large strings and buffers only when its heap limit is reached, or after a long idle
// delay: under a stream of such frames the process holds hundreds of MiB of garbage. So after a
// frame of LARGE_FRAME_BYTES or more, in either direction, the engine asks V8 for one full
// collection on the next turn of the event loop (when the frame's copies are garbage), at most
// one per interval: 1 s inside a test runner, whose own heap it collects too; 100 ms in a
// process of its own (`ownProcess`, the CLI), which also collects once after a second without
// frames that followed such traffic, so that the process gives the memory back.
// Fuzz figures (100,000 hostile frames, tests/fuzz.test.ts): RSS peak 224–288 MiB without it.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Timers } from './timers.js';

export const LARGE_FRAME_BYTES = 1024 * 1024;
const QUIET_MS = 1000;

type Gc = (options: { type: 'major'; execution: 'sync'; flavor: 'regular' | 'last-resort' }) => void;
let v8gc: Gc | null | undefined;

/** V8's `gc`, obtained on first use (never at import): the flag exposes it to new contexts only. */
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
  private readonly minIntervalMs: number;
  private lastCollect = 0;
  private scheduled = false;
  /** A large frame went through since the last idle collection. */
  private largeSinceIdle = false;
  private lastFrameAt = 0;

  constructor(
    private readonly timers: Timers,
    ownProcess: boolean,
  ) {
    this.minIntervalMs = ownProcess ? 100 : 1000;
    if (!ownProcess) return;
    timers.every(QUIET_MS, () => {
      if (!this.largeSinceIdle || Date.now() - this.lastFrameAt < QUIET_MS) return;
      this.largeSinceIdle = false;
      // 'last-resort' also frees buffers' memory and the heap's spare pages: RSS goes down.
      this.collect('last-resort');
    });
  }

  /** A frame of `bytes` was received or sent. */
  frame(bytes: number): void {
    this.lastFrameAt = Date.now();
    if (bytes < LARGE_FRAME_BYTES) return;
    this.largeSinceIdle = true;
    if (this.scheduled) return;
    this.scheduled = true;
    this.timers.after(Math.max(0, this.lastCollect + this.minIntervalMs - Date.now()), () => {
      this.scheduled = false;
      this.collect('regular');
    });
  }

  private collect(flavor: 'regular' | 'last-resort'): void {
    this.lastCollect = Date.now();
    gc()?.({ type: 'major', execution: 'sync', flavor });
  }
}
