/**
 * A channel reader's text messages (§4.3): the `onMessage` listeners and the `messages()`
 * iterators, each iterator with its own backlog so a slow one never loses a message. Part of
 * the reader's lazily loaded machinery (reader-core.ts).
 */

/** One `messages()` consumer. */
interface Sink {
  backlog: string[];
  waiting: { resolve(result: IteratorResult<string>): void; reject(error: unknown): void } | undefined;
  done: boolean;
}

export class Messages {
  readonly #listeners = new Set<(text: string) => void>();
  readonly #sinks = new Set<Sink>();
  /** The reader's failure, once it failed: iterators reject with it. */
  readonly #failure: () => Error | undefined;
  /** A listener threw: reported, and the other listeners still run. */
  readonly #onListenerError: (error: unknown) => void;

  constructor(failure: () => Error | undefined, onListenerError: (error: unknown) => void) {
    this.#failure = failure;
    this.#onListenerError = onListenerError;
  }

  listen(callback: (text: string) => void): () => void {
    this.#listeners.add(callback);
    return () => {
      this.#listeners.delete(callback);
    };
  }

  /** A new iterator; `done` when nothing more can come (ended and drained, or closed). */
  iterate(done: boolean): AsyncIterableIterator<string> {
    const sink: Sink = { backlog: [], waiting: undefined, done };
    if (!done && !this.#failure()) this.#sinks.add(sink);
    const iterator: AsyncIterableIterator<string> = {
      next: () => {
        const text = sink.backlog.shift();
        if (text !== undefined) return Promise.resolve({ value: text, done: false });
        const failure = this.#failure();
        if (failure && !sink.done) return Promise.reject(failure);
        if (sink.done) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => {
          sink.waiting = { resolve, reject };
        });
      },
      return: () => {
        sink.done = true;
        sink.backlog = [];
        this.#sinks.delete(sink);
        return Promise.resolve({ value: undefined, done: true });
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  dispatch(text: string): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(text);
      } catch (error) {
        this.#onListenerError(error);
      }
    }
    for (const sink of this.#sinks) {
      if (sink.waiting) {
        const { resolve } = sink.waiting;
        sink.waiting = undefined;
        resolve({ value: text, done: false });
      } else {
        sink.backlog.push(text);
      }
    }
  }

  /**
   * No message will come any more: iterators finish. With `error`, those waiting reject now and
   * the others on their next call (they see the reader's failure).
   */
  finish(error?: unknown): void {
    for (const sink of this.#sinks) {
      if (error === undefined) sink.done = true;
      if (sink.waiting) {
        const waiting = sink.waiting;
        sink.waiting = undefined;
        if (error === undefined) waiting.resolve({ value: undefined, done: true });
        else waiting.reject(error);
      }
    }
    this.#sinks.clear();
  }
}
