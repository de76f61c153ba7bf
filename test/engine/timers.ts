// Every timer the engine arms goes through one Timers object, so that close() can clear them all
// and leave nothing behind in the user's process. They are not unref'd: the listening sockets
// keep the process alive anyway, and a referenced timer is one `close()` provably clears
// (process.getActiveResourcesInfo() lists it until then).

export type Cancel = () => void;

export class Timers {
  private readonly live = new Set<NodeJS.Timeout>();
  private stopped = false;

  /** Runs `fn` once after `ms`; nothing once the engine is closed. */
  after(ms: number, fn: () => void): Cancel {
    if (this.stopped) return () => undefined;
    const t = setTimeout(() => {
      this.live.delete(t);
      fn();
    }, ms);
    this.live.add(t);
    return () => {
      clearTimeout(t);
      this.live.delete(t);
    };
  }

  /** Runs `fn` every `ms` until cancelled or the engine closes. */
  every(ms: number, fn: () => void): Cancel {
    if (this.stopped) return () => undefined;
    const t = setInterval(fn, ms);
    this.live.add(t);
    return () => {
      clearInterval(t);
      this.live.delete(t);
    };
  }

  /** Engine shutdown: clears every timer; later requests arm nothing. */
  stopAll(): void {
    this.stopped = true;
    for (const t of this.live) clearTimeout(t); // clearTimeout also clears intervals
    this.live.clear();
  }
}
