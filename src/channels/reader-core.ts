/**
 * The machinery behind `ChannelReader` (reader.ts), loaded on its first read, `onMessage()`,
 * `messages()` or `close()` (a chunk of its own: a page that never reads a channel never
 * downloads it, src/lazy.ts). The public class owns the `ReadableStream`; this class drives
 * its controller: the socket, the end and errors; the queue and its pausing are
 * reader-queue.ts, the text messages reader-messages.ts. Behaviour is described on
 * `ChannelReader`.
 */
import { ChannelAbortedError, ChannelError, ErrorCode } from '../errors.js';
import type { Platform, Transport } from '../platform.js';
import { decodeAbortFrame } from './abort.js';
import { isTruncated, nextMarkState, type MarkState } from './marks.js';
import { DEFAULT_READER_HIGH_WATER_MARK, type ChannelOptions } from './options.js';
import { Messages } from './reader-messages.js';
import { FrameQueue } from './reader-queue.js';
import { openChannelSocket } from './socket.js';

type ReaderPhase = 'idle' | 'connecting' | 'open' | 'ended' | 'failed' | 'closed';

/** Close codes that mean "the writer finished" (§4.3: the engine closes with no status, 1005). */
function isCleanClose(code: number): boolean {
  return code === 1005 || code === 1000;
}

/** One reader's state: queue, pausing, message sinks, end and errors (see `ChannelReader`). */
export class ReaderCore {
  declare readonly channelId: string;

  readonly #url: string;
  readonly #options: ChannelOptions;
  readonly #platform: Platform;
  #phase: ReaderPhase = 'idle';
  #transport: Transport | undefined;
  #failure: Error | undefined;
  readonly #queue: FrameQueue;
  /** The readable has been pulled at least once: from then on messages keep their place. */
  #readStarted = false;
  /** A chunk was handed to the stream and the consumer has not asked for the next one yet. */
  #outstanding = false;
  readonly #controller: ReadableStreamDefaultController<Uint8Array>;
  #streamSettled = false;
  #wake: (() => void) | undefined;
  /** What the frames so far say about the writer's end marks (marks.ts). */
  #marks: MarkState = 0;
  readonly #messages = new Messages(
    () => (this.#phase === 'failed' ? this.#failure : undefined),
    (error) =>
      (this.#platform.console ?? globalThis.console).error(`[iii] a ChannelReader onMessage callback threw (channel ${this.channelId}):`, error),
  );

  /** `url` is the read-side channel URL, built (and validated) by the public constructor. */
  constructor(channelId: string, url: string, options: ChannelOptions, controller: ReadableStreamDefaultController<Uint8Array>) {
    this.channelId = channelId;
    this.#url = url;
    this.#options = options;
    this.#platform = options.platform;
    this.#queue = new FrameQueue(Math.max(1, options.highWaterMark ?? DEFAULT_READER_HIGH_WATER_MARK));
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
    const off = this.#messages.listen(callback);
    this.#connect();
    return off;
  }

  /**
   * The text messages as an async iterable. Ends when the channel ends or is closed; throws the
   * channel's error when it fails. Each iterator buffers the messages it has not consumed yet.
   */
  messages(): AsyncIterableIterator<string> {
    const done = (this.#phase === 'ended' && this.#queue.length === 0) || this.#phase === 'closed';
    const iterator = this.#messages.iterate(done);
    this.#connect();
    return iterator;
  }

  /**
   * `ChannelReader.readAll()`: every chunk `reader` yields until the end, concatenated into one
   * `Uint8Array` that owns its whole buffer (a lone frame may be a view into a larger one).
   */
  async readAll(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
      total += value.byteLength;
    }
    const only = parts.length === 1 ? parts[0] : undefined;
    if (only && only.byteOffset === 0 && only.byteLength === only.buffer.byteLength) return only;
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
        if (!isCleanClose(code) || isTruncated(this.#marks)) {
          // Either way the data is incomplete: the socket was dropped, or a marked stream ended
          // without its writer's end mark (marks.ts).
          const why = isCleanClose(code)
            ? `ended without its writer's end mark: the writer's process or socket went away mid-stream`
            : `closed abnormally (code ${code}${reason ? `, "${reason}"` : ''}) before its writer finished: the engine or the network dropped the reader socket`;
          this.#fail(new ChannelError(`Channel ${this.channelId} ${why}, so the data is incomplete.`, this.channelId, undefined, ErrorCode.ChannelTruncated));
          return;
        }
        this.#phase = 'ended';
        this.#transport = undefined;
        this.#deliverTexts();
        // Messages never wait behind bytes until the readable is read, so none are queued:
        // message iterators can end now even if bytes stay unread.
        if (!this.#readStarted) this.#messages.finish();
        this.#settleIfDrained();
        this.#wakeUp();
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
      if (!this.#readStarted || (!this.#outstanding && this.#queue.length === 0)) {
        this.#messages.dispatch(data);
        return;
      }
      this.#queue.push(data, this.#transport);
      return;
    }
    // Only binary frames count towards the marks: a writer's messages may precede its start
    // marks (marks.ts).
    this.#marks = nextMarkState(this.#marks, data.byteLength === 0);
    if (data.byteLength === 0) return;
    this.#queue.push(data, this.#transport);
    this.#wakeUp();
  }

  /** Delivers the text frames at the head of the queue, unless a chunk is still with the consumer. */
  #deliverTexts(): void {
    while (!this.#outstanding && typeof this.#queue.peek() === 'string') {
      this.#messages.dispatch(this.#queue.shift(this.#transport) as string);
      if (this.#phase === 'failed' || this.#phase === 'closed') return;
    }
  }

  // ---- the stream -------------------------------------------------------------------------

  /**
   * The stream's `pull()`: hands over one chunk. Synchronous when one is queued (no promise per
   * frame); a promise only when it must wait for the socket.
   */
  pull(): Promise<void> | undefined {
    this.#readStarted = true;
    this.#outstanding = false;
    this.#connect();
    return this.#hand();
  }

  #hand(): Promise<void> | undefined {
    if (this.#streamSettled) return undefined;
    this.#deliverTexts();
    if (this.#streamSettled) return undefined;
    const head = this.#queue.peek();
    if (head instanceof Uint8Array) {
      this.#queue.shift(this.#transport);
      this.#outstanding = true;
      this.#controller.enqueue(head);
      return undefined;
    }
    if (this.#phase === 'ended') {
      this.#settleIfDrained();
      return undefined;
    }
    return new Promise<void>((resolve) => {
      this.#wake = resolve;
    }).then(() => this.#hand());
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /** After the end: closes the readable and the iterators once nothing is left to deliver. */
  #settleIfDrained(): void {
    if (this.#phase !== 'ended' || this.#queue.length > 0) return;
    this.#messages.finish();
    if (!this.#streamSettled) {
      this.#streamSettled = true;
      this.#controller.close();
    }
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
    const texts = this.#queue.clear();
    this.#outstanding = false;
    for (const text of texts) this.#messages.dispatch(text);
    // A listener may have called close() meanwhile.
    if ((this.#phase as ReaderPhase) === 'closed') return;
    this.#phase = 'failed';
    this.#failure = error;
    this.#closeTransport('channel_error');
    // Iterators that are waiting reject now; the others reject on their next call.
    this.#messages.finish(error);
    if (!this.#streamSettled) {
      this.#streamSettled = true;
      this.#controller.error(error);
    }
    this.#wakeUp();
  }

  #shutdown(reason: string): void {
    if (this.#phase === 'closed' || this.#phase === 'failed') return;
    this.#phase = 'closed';
    this.#queue.clear();
    this.#closeTransport(reason);
    this.#messages.finish();
    this.#wakeUp();
  }
}
