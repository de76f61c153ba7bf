/**
 * The callers of `ready()` waiting for the engine to accept the worker (connection.ts settles
 * them when the phase says: `accepted` resolves, a refusal, `failed` or `closed` rejects). Each
 * waiter is its own entry, so a per-call deadline or AbortSignal can be added here and released
 * when the waiter settles.
 */
export class ReadyWaiters {
  readonly #waiters = new Set<{ resolve(): void; reject(error: Error): void }>();

  wait(): Promise<void> {
    return new Promise<void>((resolve, reject) => this.#waiters.add({ resolve, reject }));
  }

  /** Resolves every waiter, or rejects them all with `error`. */
  settle(error?: Error): void {
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const waiter of waiters) {
      if (error) waiter.reject(error);
      else waiter.resolve();
    }
  }
}
