/**
 * The table of calls waiting for an `invocationresult` (every request settles).
 * Every way out of the table (result, timeout, abort, lost socket, shutdown) goes through
 * `#remove`, which releases the entry's abort listener and resend timer.
 *
 * Timeouts: one platform timer for the whole table, armed for the earliest deadline, instead of
 * one timer per call (a Node `Timeout` and its closure cost ~300 bytes per pending call, a third
 * of the entry). Deadlines wait in one queue per timeout value; within a queue they only grow
 * while the clock only moves forward, so the head is always the next to expire. A wall clock
 * stepped back makes a later call wait behind the head: it then times out late by the step,
 * never early. Settled calls leave their queue lazily; a queue is compacted when stale items outnumber live ones.
 */
import type { Platform, TimerHandle } from '../platform.js';
import { ErrorCode, IIITimeoutError } from '../errors.js';
import type { InvocationResultFrame } from '../protocol/index.js';
import { decodeResult } from './result.js';

/** Larger delays overflow to ~1 ms in most runtimes' setTimeout; treat them as "no timeout". */
const MAX_TIMER_MS = 2_147_483_647;

/** What decides how a call that timed out is rejected (outbound.ts). */
export interface CallState {
  functionId: string;
  timeoutMs: number;
  /** Written to a socket: its result can only come back on that socket (§3.13). */
  sent: boolean;
  /** The engine's last answer that the call was not delivered (`resendLater`), if any. */
  undelivered: string | undefined;
}

interface Entry extends CallState {
  /** Platform time at which the call times out; `Infinity` for none. */
  deadline: number;
  resolve(value: unknown): void;
  reject(reason: unknown): void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  /** The frame, kept for a resend when the call may be retried (`retryUndelivered`). */
  text: string | undefined;
  resends: number;
  resendTimer: TimerHandle | undefined;
}

export interface AddCall {
  id: string;
  functionId: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Given when the call may be re-sent after an answer that proves it was not delivered. */
  text?: string;
}

/** `TIMEOUT`: the call was sent and no answer came in time (§3.5). */
export function timeoutError(call: CallState): IIITimeoutError {
  return new IIITimeoutError({ code: ErrorCode.Timeout, message: `invocation timed out after ${call.timeoutMs}ms`, function_id: call.functionId });
}

/** Calls of one timeout value in deadline order: parallel arrays, consumed from `head`. */
interface DeadlineQueue {
  ids: string[];
  deadlines: number[];
  head: number;
}

/** Below this many consumed items a queue is not worth compacting. */
const COMPACT_MIN = 1024;

export class PendingCalls {
  readonly #platform: Platform;
  readonly #entries = new Map<string, Entry>();
  readonly #queues = new Map<number, DeadlineQueue>();
  /** Entries with a finite deadline; the timer is released when it drops to 0. */
  #timed = 0;
  #timer: TimerHandle | undefined;
  #timerAt = Infinity;

  readonly #timedOut: (call: CallState) => Error;

  /** `timedOut` gives the rejection of a call whose deadline passed. */
  constructor(platform: Platform, timedOut: (call: CallState) => Error = timeoutError) {
    this.#platform = platform;
    this.#timedOut = timedOut;
  }

  get size(): number {
    return this.#entries.size;
  }

  has(id: string): boolean {
    return this.#entries.has(id);
  }

  /**
   * Registers a call. The timeout runs from now, whether or not a socket is open (§3.5).
   * An already-aborted signal rejects at once with its reason.
   */
  add(call: AddCall): Promise<unknown> {
    return new Promise<unknown>((resolve, reject) => {
      const { signal } = call;
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const deadline = call.timeoutMs > MAX_TIMER_MS ? Infinity : this.#platform.now() + call.timeoutMs;
      const entry: Entry = {
        functionId: call.functionId,
        sent: false,
        undelivered: undefined,
        deadline,
        timeoutMs: call.timeoutMs,
        resolve,
        reject,
        signal,
        onAbort: undefined,
        text: call.text,
        resends: 0,
        resendTimer: undefined,
      };
      if (signal) {
        entry.onAbort = () => this.#settle(call.id, signal.reason);
        signal.addEventListener('abort', entry.onAbort, { once: true });
      }
      this.#entries.set(call.id, entry);
      if (deadline !== Infinity) {
        this.#timed++;
        let q = this.#queues.get(call.timeoutMs);
        if (!q) {
          q = { ids: [], deadlines: [], head: 0 };
          this.#queues.set(call.timeoutMs, q);
        }
        q.ids.push(call.id);
        q.deadlines.push(deadline);
        this.#arm(deadline);
      }
    });
  }

  /** Makes sure the timer fires no later than `deadline`. */
  #arm(deadline: number): void {
    if (deadline >= this.#timerAt) return;
    if (this.#timer !== undefined) this.#platform.clearTimeout(this.#timer);
    this.#timerAt = deadline;
    this.#timer = this.#platform.setTimeout(() => this.#expire(), Math.max(0, deadline - this.#platform.now()));
  }

  #disarm(): void {
    if (this.#timer !== undefined) this.#platform.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
  }

  /** Settles every call whose deadline has passed, then re-arms for the next one. */
  #expire(): void {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    const now = this.#platform.now();
    let next = Infinity;
    for (const [ms, q] of this.#queues) {
      while (q.head < q.ids.length) {
        const id = q.ids[q.head]!;
        const deadline = q.deadlines[q.head]!;
        const entry = this.#entries.get(id);
        if (entry === undefined || entry.deadline !== deadline) {
          q.head++;
          continue;
        }
        if (deadline > now) break;
        q.head++;
        this.#settle(id, this.#timedOut(entry));
      }
      if (q.head >= q.ids.length) this.#queues.delete(ms);
      else next = Math.min(next, q.deadlines[q.head]!);
    }
    if (next !== Infinity && this.#timed > 0) this.#arm(next);
  }

  /** Drops settled calls from the front of their queue; compacts a queue that is mostly stale. */
  #trim(entry: Entry): void {
    const q = this.#queues.get(entry.timeoutMs);
    if (!q) return;
    while (q.head < q.ids.length && !this.#entries.has(q.ids[q.head]!)) q.head++;
    const left = q.ids.length - q.head;
    if (left === 0) {
      this.#queues.delete(entry.timeoutMs);
      return;
    }
    if (q.head > COMPACT_MIN && q.head * 2 > q.ids.length) {
      q.ids = q.ids.slice(q.head);
      q.deadlines = q.deadlines.slice(q.head);
      q.head = 0;
    } else if (left > COMPACT_MIN && left > 2 * this.#timed) {
      // Out-of-order results behind a slow head: keep only the live items, in order.
      const ids: string[] = [];
      const deadlines: number[] = [];
      for (let i = q.head; i < q.ids.length; i++) {
        if (this.#entries.has(q.ids[i]!)) {
          ids.push(q.ids[i]!);
          deadlines.push(q.deadlines[i]!);
        }
      }
      q.ids = ids;
      q.deadlines = deadlines;
      q.head = 0;
    }
  }

  markSent(id: string): void {
    const entry = this.#entries.get(id);
    if (entry) entry.sent = true;
  }

  /**
   * The engine answered that call `id` was not delivered (`message`): if the call may be retried,
   * it is kept, no longer `sent`, and `resend(text)` runs after `delay(resends so far)`; its
   * deadline keeps running. Returns false when the answer must settle the call instead.
   */
  resendLater(id: string, message: string, delay: (resends: number) => number, resend: (text: string) => void): boolean {
    const entry = this.#entries.get(id);
    const text = entry?.text;
    if (!entry || text === undefined) return false;
    entry.sent = false;
    entry.undelivered = message;
    // A resend already scheduled covers a second such answer too.
    entry.resendTimer ??= this.#platform.setTimeout(() => {
      entry.resendTimer = undefined;
      if (this.#entries.get(id) === entry) resend(text);
    }, delay(entry.resends++));
    return true;
  }

  /** Settles the call a result frame answers. Unknown ids (late results, §3.5) are ignored. */
  resolveFrame(frame: InvocationResultFrame): boolean {
    const entry = this.#remove(frame.invocation_id);
    if (!entry) return false;
    const outcome = decodeResult(frame, entry.functionId);
    if (outcome.ok) entry.resolve(outcome.value);
    else entry.reject(outcome.error);
    return true;
  }

  /** The socket dropped: calls already written on it can never be answered (§3.13). */
  rejectSent(makeError: (functionId: string) => Error): void {
    for (const [id, entry] of this.#entries) {
      if (entry.sent) this.#settle(id, makeError(entry.functionId));
    }
  }

  rejectAll(makeError: (functionId: string) => Error): void {
    for (const [id, entry] of this.#entries) this.#settle(id, makeError(entry.functionId));
  }

  #settle(id: string, reason: unknown): void {
    const entry = this.#remove(id);
    if (entry) entry.reject(reason);
  }

  #remove(id: string): Entry | undefined {
    const entry = this.#entries.get(id);
    if (!entry) return undefined;
    this.#entries.delete(id);
    if (entry.deadline !== Infinity) {
      this.#timed--;
      if (this.#timed === 0) {
        // Nothing left to time out: no timer may keep the process (or the fake clock) busy.
        this.#disarm();
        this.#queues.clear();
      } else this.#trim(entry);
    }
    if (entry.signal && entry.onAbort) entry.signal.removeEventListener('abort', entry.onAbort);
    if (entry.resendTimer !== undefined) this.#platform.clearTimeout(entry.resendTimer);
    return entry;
  }
}
