// Table of worker-routed invocations awaiting an `invocationresult` (protocol.md §3.3, §3.13,
// §8 items 15, 24, 25). There is no engine timeout.
import type { ErrorBody, Outcome } from './frames.js';
import type { WorkerConnection } from './connection.js';

interface Pending {
  id: string;
  caller: WorkerConnection | undefined;
  target: WorkerConnection;
  settle: (o: Outcome | undefined) => void;
}

export const STOPPED: ErrorBody = { code: 'invocation_stopped', message: 'Invocation stopped' };

export class InvocationTable {
  private readonly pending = new Map<string, Pending>();

  /**
   * Tracks `id` until its result arrives. Resolves with the outcome, or `undefined` when the
   * call was halted because its caller went away (§8 item 25: nothing is sent to anyone).
   */
  track(id: string, caller: WorkerConnection | undefined, target: WorkerConnection): Promise<Outcome | undefined> {
    return new Promise((resolve) => {
      const previous = this.pending.get(id);
      if (previous) {
        // §8 item 24: the later call replaces the entry; the earlier caller ends at once.
        previous.settle({ ok: false, error: { code: 'invocation_error', message: 'channel closed' } });
      }
      this.pending.set(id, { id, caller, target, settle: resolve });
    });
  }

  /** An `invocationresult` from any connection (no sender check, §3.3). */
  complete(id: string, outcome: Outcome): void {
    const p = this.pending.get(id);
    if (!p) return; // unknown id: late result of a halted call, silently dropped
    this.pending.delete(id);
    p.settle(outcome);
  }

  /** Ends `id` only while it is still the call tracked for `target` (a failed delivery). */
  failDelivery(id: string, target: WorkerConnection, error: ErrorBody): void {
    const p = this.pending.get(id);
    if (p?.target !== target) return;
    this.pending.delete(id);
    p.settle({ ok: false, error });
  }

  /** §3.13 step 3 for a departing connection. */
  haltFor(conn: WorkerConnection): void {
    for (const p of [...this.pending.values()]) {
      if (p.target === conn) {
        this.pending.delete(p.id);
        p.settle({ ok: false, error: STOPPED });
      } else if (p.caller === conn) {
        this.pending.delete(p.id);
        p.settle(undefined);
      }
    }
  }

  activeFor(conn: WorkerConnection): number {
    let n = 0;
    for (const p of this.pending.values()) if (p.target === conn) n++;
    return n;
  }
}
