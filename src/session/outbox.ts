/**
 * Frames produced while no socket is open, kept in creation order and flushed after the
 * opening sequence (§2.4 item 4: replay, then flush).
 */

/** What a queued frame's owner is asked at flush time; a pending call answers it itself (calls/pending.ts). */
export interface QueuedFrame {
  /** A call that timed out or was aborted meanwhile is skipped (§3.5). */
  isLive?(): boolean;
  onSent?(): void;
}

interface Entry {
  frame: string;
  owner: QueuedFrame | undefined;
}

export class Outbox {
  #entries: Entry[] = [];

  queue(frame: string, owner?: QueuedFrame): void {
    this.#entries.push({ frame, owner });
    // A long outage with many void calls or log lines: drop the expired ones as we go, so the
    // queue is bounded by what can still be sent, not by how long the engine was away.
    if (this.#entries.length >= this.#pruneAt) {
      this.#entries = this.#entries.filter((e) => e.owner?.isLive?.() ?? true);
      this.#pruneAt = Math.max(1024, this.#entries.length * 2);
    }
  }

  #pruneAt = 1024;

  get size(): number {
    return this.#entries.length;
  }

  /** Sends every live entry; stops (keeping the rest) if `send` reports the socket is gone. */
  drain(send: (frame: string) => boolean): void {
    const entries = this.#entries;
    this.#entries = [];
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      if (entry.owner?.isLive?.() === false) continue;
      if (!send(entry.frame)) {
        this.#entries = entries.slice(i).concat(this.#entries);
        return;
      }
      entry.owner?.onSent?.();
    }
  }

  clear(): void {
    this.#entries = [];
  }
}
