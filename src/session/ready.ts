/**
 * The callers of `ready()` waiting for the engine to accept the worker (connection.ts settles
 * them when the phase says: `accepted` resolves, a refusal, `failed` or `closed` rejects). Each
 * waiter is its own entry with its own deadline and AbortSignal, released when it settles.
 */
import { isAbortSignal } from '../arguments.js';
import type { Platform } from '../platform.js';

export interface ReadyOptions {
  /** Reject (`ENGINE_UNREACHABLE`) if the engine has not accepted the worker within this many ms. */
  timeoutMs?: number;
  /** Reject with `signal.reason` when it aborts. */
  signal?: AbortSignal;
}

export class ReadyWaiters {
  readonly #platform: Platform;
  /** Each waiter settles (and releases its timer and listener) through its own function. */
  readonly #waiters = new Set<(error?: unknown) => void>();

  constructor(platform: Platform) {
    this.#platform = platform;
  }

  /** `expired()` gives the error of a waiter whose `timeoutMs` ran out. */
  wait({ timeoutMs, signal }: ReadyOptions, expired: () => Error): Promise<void> {
    const platform = this.#platform;
    // An already aborted signal never gets here (Connection.ready rejects first).
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => settle(signal!.reason);
      // Past the timer range (or Infinity): no deadline, as for calls.
      const timer = timeoutMs! < 2_147_483_647 ? platform.setTimeout(() => settle(expired()), timeoutMs!) : undefined;
      const settle = (error?: unknown) => {
        if (!this.#waiters.delete(settle)) return;
        if (timer !== undefined) platform.clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve();
      };
      this.#waiters.add(settle);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Resolves every waiter, or rejects them all with `error`. */
  settle(error?: Error): void {
    for (const settle of [...this.#waiters]) settle(error);
  }
}

/** `ready()`'s options checked (it rejects, never throws, on bad ones). */
export function readyOptionsError(options: ReadyOptions | undefined): TypeError | undefined {
  const { timeoutMs, signal } = options ?? {};
  const bad =
    options === null || typeof options !== 'object'
      ? options !== undefined && 'options must be an object'
      : timeoutMs !== undefined && !(typeof timeoutMs === 'number' && timeoutMs > 0)
        ? 'timeoutMs must be a positive number'
        : signal !== undefined && !isAbortSignal(signal) && 'signal must be an AbortSignal';
  return bad ? new TypeError(`ready(): ${bad}`) : undefined;
}
