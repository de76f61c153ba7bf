/**
 * The machinery behind `ChannelReader` (reader.ts), loaded on first use by a dynamic import so
 * that workers which never stream do not download it (PRACTICES.md item 13, the size budget). The
 * public class owns the `ReadableStream`; this class drives its controller. Behaviour is described
 * on `ChannelReader`.
 */
import { ChannelError } from '../errors.js';
import type { Platform, Transport } from '../platform.js';
import { ChannelAbortedError, decodeAbortFrame } from './abort.js';
import { DEFAULT_READER_HIGH_WATER_MARK, type ChannelOptions } from './options.js';
import { openChannelSocket } from './socket.js';

type ReaderPhase = 'idle' | 'connecting' | 'open' | 'ended' | 'failed' | 'closed';

/** Close codes that mean "the writer finished" (§4.3: the engine closes with no status, 1005). */
function isCleanClose(code: number): boolean {
  return code === 1005 || code === 1000;
}

/** One `messages()` consumer: its own backlog so a slow iterator never loses a message. */
interface MessageSink {
  backlog: string[];
  waiting: { resolve(result: IteratorResult<string>): void; reject(error: unknown): void } | undefined;
  done: boolean;
}

/** One reader's state: queue, pausing, message sinks, end and errors (see `ChannelReader`). */
export class ReaderCore {
  readonly channelId: string;

  readonly #url: string;
  readonly #options: ChannelOptions;
  readonly #platform: Platform;
  readonly #highWaterMark: number;
  #phase: ReaderPhase = 'idle';
  #transport: Transport | undefined;
  #failure: Error | undefined;
  /** Frames not yet delivered: binary chunks, and text frames kept behind them for ordering. */
  #queue: Array<Uint8Array | string> = [];
  #queueHead = 0;
  #queuedBytes = 0;
  #paused = false;
  /** The readable has been pulled at least once: from then on messages keep their place. */
  #readStarted = false;
  /** A chunk was handed to the stream and the consumer has not asked for the next one yet. */
  #outstanding = false;
  readonly #controller: ReadableStreamDefaultController<Uint8Array>;
  #streamSettled = false;
  #wake: (() => void) | undefined;
  readonly #listeners = new Set<(text: string) => void>();
  readonly #sinks = new Set<MessageSink>();

  /** `url` is the read-side channel URL, built (and validated) by the public constructor. */
  constructor(channelId: string, url: string, options: ChannelOptions, controller: ReadableStreamDefaultController<Uint8Array>) {
    this.channelId = channelId;
    this.#url = url;
    this.#options = options;
    this.#platform = options.platform;
    this.#highWaterMark = Math.max(1, options.highWaterMark ?? DEFAULT_READER_HIGH_WATER_MARK);
    this.#controller = controller;
  }

  /** The stream's `cancel()`. */
  cancel(): void {
    this.#streamSettled = true;
    this.#shutdown('reader_cancelled');
  }

  /**
   * Calls `callback` for every text message; returns an unsubscribe function. Connects the
   * socket if it is not connected yet. A throwing callback is reported and does not stop others.
   */
  onMessage(callback: (text: string) => void): () => void {
    this.#listeners.add(callback);
    this.#connect();
    return () => {
      this.#listeners.delete(callback);
    };
  }

  /**
   * The text messages as an async iterable. Ends when the channel ends or is closed; throws the
   * channel's error when it fails. Each iterator buffers the messages it has not consumed yet.
   */
  messages(): AsyncIterableIterator<string> {
    const sink: MessageSink = { backlog: [], waiting: undefined, done: false };
    if (this.#phase === 'ended' && this.#queueLength() === 0) sink.done = true;
    else if (this.#phase === 'closed') sink.done = true;
    if (!sink.done && this.#phase !== 'failed') this.#sinks.add(sink);
    this.#connect();
    const iterator: AsyncIterableIterator<string> = {
      next: () => {
        const text = sink.backlog.shift();
        if (text !== undefined) return Promise.resolve({ value: text, done: false });
        if (this.#phase === 'failed' && !sink.done) return Promise.reject(this.#failure);
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

  /** `ChannelReader.readAll()`: every chunk `reader` yields until the end, concatenated. */
  async readAll(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
      total += value.byteLength;
    }
    if (parts.length === 1 && parts[0]) return parts[0];
    const out = new Uint8Array(total);
    total = 0;
    for (const part of parts) {
      out.set(part, total);
      total += part.byteLength;
    }
    return out;
  }

  /**
   * Stops reading: closes the socket (1000 `channel_close`), drops queued data, ends the readable
   * and the message iterators. The engine never answers a reader's Close (§8 item 37), so this
   * does not wait for one. Idempotent.
   */
  close(): Promise<void> {
    this.#shutdown('channel_close');
    if (!this.#streamSettled) {
      this.#streamSettled = true;
      this.#controller.close();
    }
    return Promise.resolve();
  }

  // ---- connection -------------------------------------------------------------------------

  #connect(): void {
    if (this.#phase !== 'idle') return;
    this.#phase = 'connecting';
    this.#transport = openChannelSocket(this.#url, this.channelId, 'reader', this.#options, {
      open: () => {
        if (this.#phase === 'connecting') this.#phase = 'open';
      },
      message: (data) => this.#onFrame(data),
      closed: (code, reason) => {
        if (this.#phase !== 'open') return;
        if (isCleanClose(code)) {
          this.#phase = 'ended';
          this.#transport = undefined;
          this.#deliverTexts();
          // Messages never wait behind bytes until the readable is read, so none are queued:
          // message iterators can end now even if bytes stay unread.
          if (!this.#readStarted) this.#finishSinks();
          this.#settleIfDrained();
          this.#wakeUp();
          return;
        }
        this.#fail(
          new ChannelError(
            `Channel ${this.channelId} closed abnormally (code ${code}${reason ? `, "${reason}"` : ''}) before its ` +
              `writer finished: the engine or the network dropped the reader socket, so the data is incomplete.`,
            this.channelId,
          ),
        );
      },
      failed: (error) => this.#fail(error),
    });
  }

  #onFrame(data: string | Uint8Array): void {
    if (this.#phase !== 'open') return;
    if (typeof data === 'string') {
      const abortReason = decodeAbortFrame(data);
      if (abortReason !== undefined) {
        this.#fail(new ChannelAbortedError(this.channelId, abortReason));
        return;
      }
      if (!this.#readStarted || (!this.#outstanding && this.#queueLength() === 0)) {
        this.#dispatch(data);
        return;
      }
      this.#push(data, data.length);
      return;
    }
    if (data.byteLength === 0) return;
    this.#push(data, data.byteLength);
    this.#wakeUp();
  }

  #push(entry: Uint8Array | string, size: number): void {
    this.#queue.push(entry);
    this.#queuedBytes += size;
    if (!this.#paused && this.#queuedBytes >= this.#highWaterMark && this.#transport?.pause) {
      this.#paused = true;
      this.#transport.pause();
    }
  }

  #shift(): Uint8Array | string | undefined {
    if (this.#queueHead >= this.#queue.length) return undefined;
    const entry = this.#queue[this.#queueHead];
    this.#queue[this.#queueHead] = undefined as unknown as Uint8Array;
    this.#queueHead++;
    // Compact now and then instead of Array#shift on every frame.
    if (this.#queueHead > 64 && this.#queueHead * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#queueHead);
      this.#queueHead = 0;
    }
    if (entry === undefined) return undefined;
    this.#queuedBytes -= typeof entry === 'string' ? entry.length : entry.byteLength;
    if (this.#paused && this.#queuedBytes <= this.#highWaterMark / 2) {
      this.#paused = false;
      this.#transport?.resume?.();
    }
    return entry;
  }

  #peek(): Uint8Array | string | undefined {
    return this.#queueHead < this.#queue.length ? this.#queue[this.#queueHead] : undefined;
  }

  #queueLength(): number {
    return this.#queue.length - this.#queueHead;
  }

  /** Delivers the text frames at the head of the queue, unless a chunk is still with the consumer. */
  #deliverTexts(): void {
    while (!this.#outstanding && typeof this.#peek() === 'string') {
      this.#dispatch(this.#shift() as string);
      if (this.#phase === 'failed' || this.#phase === 'closed') return;
    }
  }

  #dispatch(text: string): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(text);
      } catch (error) {
        (this.#platform.console ?? globalThis.console).error(
          `[iii] a ChannelReader onMessage callback threw (channel ${this.channelId}):`,
          error,
        );
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

  // ---- the stream -------------------------------------------------------------------------

  /** The stream's `pull()`: hands over one chunk, waiting for one if none is queued. */
  async pull(): Promise<void> {
    this.#readStarted = true;
    this.#outstanding = false;
    this.#connect();
    for (;;) {
      if (this.#streamSettled) return;
      this.#deliverTexts();
      if (this.#streamSettled) return;
      const head = this.#peek();
      if (head instanceof Uint8Array) {
        this.#shift();
        this.#outstanding = true;
        this.#controller.enqueue(head);
        return;
      }
      if (this.#phase === 'ended') {
        this.#settleIfDrained();
        return;
      }
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /** After the end: closes the readable and the iterators once nothing is left to deliver. */
  #settleIfDrained(): void {
    if (this.#phase !== 'ended' || this.#queueLength() > 0) return;
    this.#finishSinks();
    if (!this.#streamSettled) {
      this.#streamSettled = true;
      this.#controller.close();
    }
  }

  #finishSinks(error?: unknown): void {
    for (const sink of this.#sinks) {
      sink.done = true;
      if (sink.waiting) {
        const waiting = sink.waiting;
        sink.waiting = undefined;
        if (error === undefined) waiting.resolve({ value: undefined, done: true });
        else waiting.reject(error);
      }
    }
    this.#sinks.clear();
  }

  #clearQueue(): void {
    this.#queue = [];
    this.#queueHead = 0;
    this.#queuedBytes = 0;
  }

  #closeTransport(reason: string): void {
    const transport = this.#transport;
    this.#transport = undefined;
    if (!transport) return;
    try {
      transport.close(1000, reason);
      // The engine never answers a reader's Close (§8 item 37): drop the socket where possible
      // so the engine notices the departure on its next forward and drops the writer (§4.4).
      transport.terminate?.();
    } catch {
      // Already closed: nothing to release.
    }
  }

  #fail(error: Error): void {
    if (this.#phase === 'failed' || this.#phase === 'closed' || this.#phase === 'ended') return;
    // Messages that arrived before the failure are still messages: hand them over (out of band
    // with the bytes, which are discarded because they are incomplete), then fail.
    const texts = this.#queue.slice(this.#queueHead).filter((entry): entry is string => typeof entry === 'string');
    this.#clearQueue();
    this.#outstanding = false;
    for (const text of texts) this.#dispatch(text);
    // A listener may have called close() meanwhile.
    if ((this.#phase as ReaderPhase) === 'closed') return;
    this.#phase = 'failed';
    this.#failure = error;
    this.#closeTransport('channel_error');
    // Iterators that are waiting reject now; the others reject on their next call.
    for (const sink of this.#sinks) {
      if (sink.waiting) {
        const waiting = sink.waiting;
        sink.waiting = undefined;
        waiting.reject(error);
      }
    }
    this.#sinks.clear();
    if (!this.#streamSettled) {
      this.#streamSettled = true;
      this.#controller.error(error);
    }
    this.#wakeUp();
  }

  #shutdown(reason: string): void {
    if (this.#phase === 'closed' || this.#phase === 'failed') return;
    this.#phase = 'closed';
    this.#clearQueue();
    this.#closeTransport(reason);
    this.#finishSinks();
    this.#wakeUp();
  }
}
