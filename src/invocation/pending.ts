/**
 * The table of calls waiting for an `invocationresult` (PRACTICES.md 8: every request settles).
 * Each entry owns its timeout timer and its abort listener; every way out of the table
 * (result, timeout, abort, lost socket, shutdown) goes through `#remove`, which releases both.
 */
import type { Platform, TimerHandle } from '../platform.js';
import { ErrorCode, IIIInvocationError, IIITimeoutError } from '../errors.js';
import type { InvocationResultFrame } from '../protocol/index.js';
import { decodeResult } from './result.js';

/** Larger delays overflow to ~1 ms in most runtimes' setTimeout; treat them as "no timeout". */
const MAX_TIMER_MS = 2_147_483_647;

interface Entry {
  functionId: string;
  /** Written to a socket: its result can only come back on that socket (§3.13). */
  sent: boolean;
  timer: TimerHandle | undefined;
  resolve(value: unknown): void;
  reject(reason: unknown): void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

export interface AddCall {
  id: string;
  functionId: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

export class PendingCalls {
  readonly #platform: Platform;
  readonly #entries = new Map<string, Entry>();

  constructor(platform: Platform) {
    this.#platform = platform;
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
      const timer =
        call.timeoutMs > MAX_TIMER_MS
          ? undefined
          : this.#platform.setTimeout(() => {
              this.#settle(
                call.id,
                new IIITimeoutError({
                  code: ErrorCode.Timeout,
                  message: `invocation timed out after ${call.timeoutMs}ms`,
                  function_id: call.functionId,
                }),
              );
            }, call.timeoutMs);
      const entry: Entry = { functionId: call.functionId, sent: false, timer, resolve, reject, signal, onAbort: undefined };
      if (signal) {
        entry.onAbort = () => this.#settle(call.id, signal.reason);
        signal.addEventListener('abort', entry.onAbort, { once: true });
      }
      this.#entries.set(call.id, entry);
    });
  }

  markSent(id: string): void {
    const entry = this.#entries.get(id);
    if (entry) entry.sent = true;
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
  rejectSent(makeError: (functionId: string) => IIIInvocationError): void {
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
    if (entry.timer !== undefined) this.#platform.clearTimeout(entry.timer);
    if (entry.signal && entry.onAbort) entry.signal.removeEventListener('abort', entry.onAbort);
    return entry;
  }
}
