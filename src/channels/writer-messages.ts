/**
 * A channel writer's text messages that wait for their place in the stream: each goes right
 * after the chunk that was the stream's last when `sendMessage` was called (writer-core.ts), or
 * when the socket opens. Part of the writer's lazily loaded machinery.
 */

interface Waiting {
  /** Sent once the stream's chunk number `after` has been sent. */
  after: number;
  text: string;
  resolve(): void;
  reject(error: unknown): void;
}

export class WaitingMessages {
  #queue: Waiting[] = [];

  get size(): number {
    return this.#queue.length;
  }

  /** Queues `text` behind chunk number `after`; settles when it is sent or dropped. */
  add(text: string, after: number): Promise<void> {
    return new Promise<void>((resolve, reject) => this.#queue.push({ after, text, resolve, reject }));
  }

  /** Sends, in order, the messages whose chunk is among the `written` ones. */
  flush(written: number, send: (text: string) => void): void {
    while (this.#queue.length > 0 && (this.#queue[0] as Waiting).after <= written) {
      const waiting = this.#queue.shift() as Waiting;
      send(waiting.text);
      waiting.resolve();
    }
  }

  /** At the end: every message goes with the next flush, whatever its chunk (a refused write drifts the count). */
  releaseAll(): void {
    for (const waiting of this.#queue) waiting.after = 0;
  }

  rejectAll(error: unknown): void {
    for (const waiting of this.#queue.splice(0)) waiting.reject(error);
  }
}
