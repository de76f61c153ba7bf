/**
 * The table of calls waiting for an `invocationresult` (every request settles).
 * Every way out of the table (result, timeout, abort, lost socket, shutdown) goes through
 * `#take`, which releases what the call holds (abort listener, resend timer).
 *
 * What a pending call costs (docs/benchmarks.md, "Heap per pending call"): its promise, the
 * promise's `resolve`, its id as the table's key, one `Call` of three fields and a slot in its
 * deadline queue (deadlines.ts). To stay there while keeping every call's frame for a resend:
 * - the frame is kept as its body (encode.ts `encodeCall`: without `type` and `invocation_id`,
 *   which are known), and the function id is read back from it when an error needs it;
 * - only `resolve` is kept: a rejection resolves the promise with a thenable that rejects
 *   (`Rejection`), so the `reject` the Promise constructor makes is garbage at once;
 * - what few calls need (an AbortSignal, a resend) lives in a side table, made when needed.
 *
 * Timeouts: one platform timer for the whole table, armed for the earliest deadline, instead of
 * one timer per call (a Node `Timeout` and its closure cost ~300 bytes per pending call). When the
 * last call is answered the timer is kept for a few microtask turns (`IDLE_TURNS`): a caller that
 * sends its next call from the answer's continuation (one call at a time) then finds it armed,
 * instead of paying to clear and set a platform timer on every call.
 */
import type { Platform, TimerHandle } from '../platform.js';
import { ErrorCode, IIIInvocationError, IIITimeoutError } from '../errors.js';
import type { InvocationResultFrame } from '../protocol/index.js';
import { Deadlines } from './deadlines.js';
import { functionIdOf } from './encode.js';
import { BODY, Call, EXTRA, pendingPromise, Rejection, SENT, SLOT, type Extra } from './pending-entry.js';

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

export interface AddCall {
  /** Unique among the calls of a table (a UUID v4, §2.1): a settled call's id is not used again. */
  id: string;
  functionId: string;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  /**
   * The frame's body (encode.ts `encodeCall`), given when the call may be re-sent after an answer
   * that proves it was not delivered.
   */
  body?: string | undefined;
}

/** `TIMEOUT`: the call was sent and no answer came in time (§3.5). */
export function timeoutError(call: CallState): IIITimeoutError {
  return new IIITimeoutError({ code: ErrorCode.Timeout, message: `invocation timed out after ${call.timeoutMs}ms`, function_id: call.functionId });
}

/**
 * Microtask turns an emptied table keeps its timer: enough for a next call made after a few
 * `await`s of the previous one's result. Then nothing may keep the process (or a fake clock) busy.
 */
const IDLE_TURNS = 4;

export class PendingCalls {
  readonly #platform: Platform;
  readonly #calls = new Map<string, Call>();
  readonly #extras = new Map<Call, Extra>();
  readonly #deadlines = new Deadlines((id) => this.#calls.has(id));
  /** Calls with a deadline; the timer is released once it has stayed 0 a little (`#settled`). */
  #timed = 0;
  #timer: TimerHandle | undefined;
  #timerAt = Infinity;
  /** Turns left before an emptied table releases its timer; 0: no check queued. */
  #idleTurns = 0;
  /** Settled already: each idle check is one reaction to it (no queueMicrotask, which Node wraps in an AsyncResource). */
  readonly #tick = Promise.resolve();

  readonly #timedOut: (call: CallState) => Error;

  /** `timedOut` gives the rejection of a call whose deadline passed. */
  constructor(platform: Platform, timedOut: (call: CallState) => Error = timeoutError) {
    this.#platform = platform;
    this.#timedOut = timedOut;
  }

  get size(): number {
    return this.#calls.size;
  }

  /** The pending call `id`: what the outbox asks (`isLive`, `onSent`) while it waits for a socket. */
  get(id: string): { isLive(): boolean; onSent(): void } | undefined {
    return this.#calls.get(id);
  }

  /**
   * Registers a call. The timeout runs from now, whether or not a socket is open (§3.5).
   * An already-aborted signal rejects at once with its reason.
   */
  add(request: AddCall): Promise<unknown> {
    const { id, signal, timeoutMs } = request;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const [promise, resolve] = pendingPromise();
    const body = request.body;
    let bits = body === undefined ? 0 : BODY;
    if (timeoutMs <= MAX_TIMER_MS) {
      const deadline = this.#platform.now() + timeoutMs;
      bits |= this.#deadlines.add(timeoutMs, id, deadline) * SLOT;
      this.#timed++;
      this.#arm(deadline);
    }
    const call = new Call(body ?? request.functionId, resolve, bits);
    this.#calls.set(id, call);
    if (signal) {
      const extra = this.#extra(call);
      extra.signal = signal;
      extra.onAbort = () => this.#reject(id, call, signal.reason);
      signal.addEventListener('abort', extra.onAbort, { once: true });
    }
    return promise;
  }

  #extra(call: Call): Extra {
    let extra = this.#extras.get(call);
    if (!extra) {
      extra = { resends: 0 };
      this.#extras.set(call, extra);
      call.bits |= EXTRA;
    }
    return extra;
  }

  /** Makes sure the timer fires no later than `deadline`. */
  #arm(deadline: number): void {
    if (deadline >= this.#timerAt) return;
    if (this.#timer !== undefined) this.#platform.clearTimeout(this.#timer);
    this.#timerAt = deadline;
    this.#timer = this.#platform.setTimeout(this.#onTimer, Math.max(0, deadline - this.#platform.now()));
  }

  #disarm(): void {
    if (this.#timer !== undefined) this.#platform.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
  }

  /**
   * After a call settled: an empty table releases its timer once it has stayed empty for
   * `IDLE_TURNS` microtask turns; every call that settles meanwhile starts the count again.
   */
  #settled(): void {
    if (this.#timed > 0 || this.#timer === undefined) return;
    const checking = this.#idleTurns > 0;
    this.#idleTurns = IDLE_TURNS;
    if (!checking) void this.#tick.then(this.#checkIdle);
  }

  readonly #checkIdle = (): void => {
    if (this.#timed > 0) {
      this.#idleTurns = 0;
    } else if (--this.#idleTurns > 0) {
      void this.#tick.then(this.#checkIdle);
    } else {
      // Nothing left to time out: no timer may keep the process (or the fake clock) busy.
      this.#disarm();
    }
  };

  readonly #onTimer = (): void => this.#expire();

  /** Settles every call whose deadline has passed, then re-arms for the next one. */
  #expire(): void {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    const next = this.#deadlines.expire(this.#platform.now(), (id) => {
      const call = this.#calls.get(id)!;
      this.#reject(id, call, this.#timedOut(this.#state(call)));
    });
    if (next !== Infinity && this.#timed > 0) this.#arm(next);
  }

  #state(call: Call): CallState {
    return {
      functionId: this.#functionId(call),
      timeoutMs: this.#deadlines.ms(call.bits >> 3),
      sent: (call.bits & SENT) !== 0,
      undelivered: call.bits & EXTRA ? this.#extras.get(call)?.undelivered : undefined,
    };
  }

  #functionId(call: Call): string {
    return call.bits & BODY ? functionIdOf(call.what) : call.what;
  }

  /**
   * The engine answered that call `id` was not delivered (`message`): if the call may be retried,
   * it is kept, no longer `sent`, and `resend(body, id)` runs after `delay(resends so far)`; its
   * deadline keeps running. Returns false when the answer must settle the call instead.
   */
  resendLater(id: string, message: string, delay: (resends: number) => number, resend: (body: string, id: string) => void): boolean {
    const call = this.#calls.get(id);
    if (!call || !(call.bits & BODY)) return false;
    call.bits &= ~SENT;
    const extra = this.#extra(call);
    extra.undelivered = message;
    // A resend already scheduled covers a second such answer too.
    extra.resendTimer ??= this.#platform.setTimeout(() => {
      extra.resendTimer = undefined;
      if (call.resolve !== undefined) resend(call.what, id);
    }, delay(extra.resends++));
    return true;
  }

  /** Settles the call a result frame answers (§2.3: `error` wins). Unknown ids (late results, §3.5) are ignored. */
  resolveFrame(frame: InvocationResultFrame): boolean {
    const id = frame.invocation_id;
    const call = this.#calls.get(id);
    if (call === undefined) return false;
    const error = frame.error;
    if (error) {
      const { code, message, stacktrace } = error;
      this.#reject(id, call, IIIInvocationError.fromBody({ code, message, stacktrace: stacktrace ?? undefined }, this.#functionId(call)));
    } else {
      // An absent or `null` result is `undefined` (§8 item 15).
      const resolve = this.#take(id, call)!;
      resolve(frame.result === null ? undefined : frame.result);
      this.#settled();
    }
    return true;
  }

  /** The socket dropped: calls already written on it can never be answered (§3.13). */
  rejectSent(makeError: (functionId: string) => Error): void {
    for (const [id, call] of this.#calls) {
      if (call.bits & SENT) this.#take(id, call)?.(new Rejection(makeError(this.#functionId(call))));
    }
    if (this.#timed === 0) this.#disarm();
  }

  rejectAll(makeError: (functionId: string) => Error): void {
    for (const [id, call] of this.#calls) this.#take(id, call)?.(new Rejection(makeError(this.#functionId(call))));
    this.#disarm();
  }

  #reject(id: string, call: Call, reason: unknown): void {
    const resolve = this.#take(id, call);
    if (resolve === undefined) return;
    resolve(new Rejection(reason));
    this.#settled();
  }

  /** Takes call `id` out of the table; returns its `resolve`, or undefined if it was settled already. */
  #take(id: string, call: Call): ((value: unknown) => void) | undefined {
    const resolve = call.resolve;
    if (resolve === undefined) return undefined;
    call.resolve = undefined;
    this.#calls.delete(id);
    if (call.bits >= SLOT) {
      this.#timed--;
      this.#deadlines.trim(call.bits >> 3, this.#timed);
    }
    if (call.bits & EXTRA) {
      const extra = this.#extras.get(call)!;
      this.#extras.delete(call);
      if (extra.signal && extra.onAbort) extra.signal.removeEventListener('abort', extra.onAbort);
      if (extra.resendTimer !== undefined) this.#platform.clearTimeout(extra.resendTimer);
    }
    return resolve;
  }
}
