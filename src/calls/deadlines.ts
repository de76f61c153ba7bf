/**
 * The deadlines of pending calls (pending.ts), one queue per timeout value. Within a queue,
 * deadlines only grow while the clock only moves forward, so its head is always the next to
 * expire; a wall clock stepped back makes a later call wait behind the head: it then times out
 * late by the step, never early. Settled calls leave their queue lazily (`trim`); a queue is
 * compacted when stale ids outnumber live ones.
 *
 * Memory: a call costs one slot of its queue's id array. Deadlines are kept per run of calls
 * added in the same millisecond (a burst, or a pipeline of thousands of calls a second, shares a
 * few), not per call. A queue has a small-integer slot, which the pending table keeps in the
 * call's flags field instead of a reference.
 */

interface Queue {
  readonly ms: number;
  readonly slot: number;
  /** Call ids in the order they were added, consumed from `head`. */
  ids: string[];
  head: number;
  /** Runs of ids with one deadline: run `r` starts at `ids[starts[r]]` and is due at `due[r]`. */
  starts: number[];
  due: number[];
  /** The run of `ids[head]`. */
  run: number;
}

/** Below this many consumed ids a queue is not worth compacting. */
const COMPACT_MIN = 1024;
/** Up to this many queues, an emptied queue is kept for reuse. */
const KEEP_EMPTY = 4;

export class Deadlines {
  readonly #byMs = new Map<number, Queue>();
  /** Queues by slot; slot 0 is "no timeout". */
  #slots: Array<Queue | undefined> = [undefined];
  #free: number[] = [];
  /** Whether call `id` still waits (the pending table's answer). */
  readonly #isLive: (id: string) => boolean;

  constructor(isLive: (id: string) => boolean) {
    this.#isLive = isLive;
  }

  /** Adds call `id`, due at `deadline`, to the queue of timeout `ms`; returns that queue's slot (≥ 1). */
  add(ms: number, id: string, deadline: number): number {
    let q = this.#byMs.get(ms);
    if (!q) {
      q = { ms, slot: this.#free.pop() ?? this.#slots.length, ids: [], head: 0, starts: [], due: [], run: 0 };
      this.#byMs.set(ms, q);
      this.#slots[q.slot] = q;
    }
    push(q, id, deadline);
    return q.slot;
  }

  /** The timeout value of the queue in `slot`. */
  ms(slot: number): number {
    return this.#slots[slot]?.ms ?? Infinity;
  }


  /**
   * Hands every live id whose deadline is at or before `now` to `expire` (which settles it), in
   * deadline order per queue; returns the next deadline, or Infinity.
   */
  expire(now: number, expire: (id: string) => void): number {
    let next = Infinity;
    for (const q of this.#byMs.values()) {
      while (q.head < q.ids.length) {
        const id = q.ids[q.head]!;
        if (!this.#isLive(id)) {
          q.head++;
          continue;
        }
        const due = dueAtHead(q);
        if (due > now) break;
        q.head++;
        expire(id);
      }
      if (q.head >= q.ids.length) this.#drop(q);
      else next = Math.min(next, dueAtHead(q));
    }
    return next;
  }

  /**
   * A call of the queue in `slot` settled: drops settled ids from the queue's front, and compacts
   * a queue that is mostly stale. `live` is how many calls with a deadline still wait. An emptied
   * queue is kept for the next call (a caller with one call at a time empties it on every call)
   * while there are few queues; its consumed ids go at the next compaction.
   */
  trim(slot: number, live: number): void {
    const q = this.#slots[slot];
    if (!q) return;
    while (q.head < q.ids.length && !this.#isLive(q.ids[q.head]!)) q.head++;
    const left = q.ids.length - q.head;
    if (left === 0 && (this.#byMs.size > KEEP_EMPTY || q.head > COMPACT_MIN)) this.#drop(q);
    else if (q.head > COMPACT_MIN && q.head * 2 > q.ids.length) compact(q, () => true);
    // Out-of-order results behind a slow head: keep only the live ids, in order.
    else if (left > COMPACT_MIN && left > 2 * live) compact(q, this.#isLive);
  }

  #drop(q: Queue): void {
    if (this.#slots[q.slot] !== q) return;
    this.#byMs.delete(q.ms);
    this.#slots[q.slot] = undefined;
    this.#free.push(q.slot);
  }
}

function push(q: Queue, id: string, deadline: number): void {
  const last = q.due.length - 1;
  if (last < 0 || q.due[last] !== deadline) {
    q.starts.push(q.ids.length);
    q.due.push(deadline);
  }
  q.ids.push(id);
}

/** The deadline of `ids[head]` (moves the run cursor forward to it). */
function dueAtHead(q: Queue): number {
  while (q.run + 1 < q.starts.length && q.starts[q.run + 1]! <= q.head) q.run++;
  return q.due[q.run]!;
}

/** Rebuilds `q` from its head with the ids `keep` accepts, in order, with their deadlines. */
function compact(q: Queue, keep: (id: string) => boolean): void {
  const { ids, starts, due, head } = q;
  let run = q.run;
  q.ids = [];
  q.starts = [];
  q.due = [];
  q.head = 0;
  q.run = 0;
  for (let i = head; i < ids.length; i++) {
    while (run + 1 < starts.length && starts[run + 1]! <= i) run++;
    if (keep(ids[i]!)) push(q, ids[i]!, due[run]!);
  }
}
