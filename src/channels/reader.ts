/**
 * The reading end of a data channel (protocol.md §4) as a WHATWG `ReadableStream`.
 */
import type { ChannelOptions } from './options.js';
import type { ReaderCore } from './reader-core.js';
import type { StreamChannelRef } from './ref.js';
import { lazily } from '../lazy.js';
import { channelUrl } from './url.js';

/**
 * Reads one channel. Binary frames become the chunks of {@link ChannelReader.readable}; text
 * frames are messages ({@link ChannelReader.onMessage}, {@link ChannelReader.messages}). Nothing
 * connects until the first read, `readAll()`, `onMessage()` or `messages()`.
 *
 * **Memory.** The stream is pull-driven and has a high-water mark of 0 chunks: it never holds
 * data itself, it asks for one chunk per read. Inbound frames wait in a small queue in this object;
 * when the queue reaches `highWaterMark` bytes (default 1 MiB) the socket is paused, and it is
 * resumed once half of that has been read. What that bounds depends on the runtime (docs/runtimes.md
 * "Runtime facts"):
 * - Node (`ws`) and Bun (its built-in `ws`): `pause()` stops reading the TCP socket, so the queue
 *   stays near `highWaterMark` plus one socket read; the engine's queue fills (`buffer_size`
 *   frames, §4.4) and the engine stops reading the writer: end-to-end backpressure.
 * - Chromium, Deno, workerd: the global `WebSocket` cannot pause (the transport has no `pause`),
 *   so frames are accepted as fast as the network delivers them and this queue is bounded only by
 *   how fast the consumer reads. The engine's `buffer_size` bounds the ENGINE's memory, not ours.
 *   Use a small `buffer_size` and a fast consumer there, or read with `readAll()` knowingly.
 *
 * **Messages and bytes in order.** Text frames are delivered in arrival order relative to binary
 * frames once the readable is being read: a message that arrived after some bytes is delivered
 * when the consumer asks for the chunk after those bytes. Until the readable is first read,
 * messages are delivered as they arrive (so a reader that only wants messages never waits on
 * bytes nobody reads, as long as fewer than `highWaterMark` bytes arrive where pausing applies).
 * Messages that arrive with no `onMessage` listener and no `messages()` iterator are dropped, as
 * in the official SDKs.
 *
 * **End and errors.** A Close with code 1005 (the engine's normal end, §4.3) or 1000 ends the
 * stream once the queue is read. Any other close after opening (1006 when the engine or the
 * network drops the socket) errors it with a `ChannelError`. A socket that cannot open (the engine
 * answers 404 for an unknown channel or a wrong key, §4.2) errors it with a `ChannelError` that says
 * so. The writer's abort frame (see `abort.ts`) errors it with a `ChannelAbortedError`. On any
 * error, queued bytes are discarded and messages already received are still delivered first. Caveat of
 * the protocol: a second reader of the same channel, or a reader of a finished channel, is accepted
 * and closed at once (§8 items 34, 36), which is indistinguishable from an empty stream.
 *
 * **Loading.** The machinery lives in a chunk of its own (`ReaderCore`, reader-core.ts) imported on
 * the first read, `onMessage()`, `messages()` or `close()`, so an app that never reads a channel
 * does not load it; an import that fails (a page gone offline) is tried again by the next use.
 * The constructor stays synchronous and validates the URL at once.
 */
export class ChannelReader {
  declare readonly channelId: string;
  /**
   * Binary frames, one chunk per frame. Cancelling it closes the socket. Chunks are typed as
   * backed by an `ArrayBuffer` (never a shared one), so that with the DOM lib
   * `readable.pipeThrough(new TextDecoderStream())` type-checks (TS ≥ 5.7).
   */
  declare readonly readable: ReadableStream<Uint8Array<ArrayBuffer>>;

  /** Runs `use` on the reader's machinery, importing it the first time (see "Loading"). */
  readonly #core: <T>(use: (core: ReaderCore) => T | PromiseLike<T>) => Promise<T>;

  constructor(engineWsBase: string, ref: StreamChannelRef, options: ChannelOptions) {
    this.channelId = ref.channel_id;
    // The reader always opens the read side; either ref names the same channel and key (§4.1).
    const url = channelUrl(engineWsBase, { ...ref, direction: 'read' });
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    // Once loaded, the stream calls the machinery directly: no promise per chunk for the import.
    let loaded: ReaderCore | undefined;
    this.#core = lazily(() => import('./reader-core.js').then((m) => (loaded = new m.ReaderCore(this.channelId, url, options, controller))));
    // Frames arrive as ArrayBuffers or Node Buffers, which are backed by ArrayBuffers too.
    this.readable = new ReadableStream<Uint8Array<ArrayBuffer>>(
      {
        start: (c) => {
          controller = c;
        },
        pull: () => (loaded ? loaded.pull() : this.#core((c) => c.pull())),
        cancel: () => this.#core((c) => c.cancel()),
      },
      // 0: pull() runs only when a consumer reads, which is what makes the connection lazy and
      // keeps the stream itself empty; buffering happens in the machinery's queue, where pausing
      // is decided.
      { highWaterMark: 0 },
    );
  }

  /**
   * Calls `callback` for every text message; returns an unsubscribe function. Connects the
   * socket if it is not connected yet. A throwing callback is reported and does not stop others.
   */
  onMessage(callback: (text: string) => void): () => void {
    let off: (() => void) | undefined;
    let subscribed = true;
    void this.#core((c) => {
      if (subscribed) off = c.onMessage(callback);
    });
    return () => {
      subscribed = false;
      off?.();
    };
  }

  /**
   * The text messages as an async iterable. Ends when the channel ends or is closed; throws the
   * channel's error when it fails. Each iterator buffers the messages it has not consumed yet.
   */
  messages(): AsyncIterableIterator<string> {
    // Subscribed now (in call order with close() and reads), consumed through the promise.
    const inner = this.#core((c) => c.messages());
    // A machinery that fails to load is reported by next(), not as an unhandled rejection.
    inner.catch(() => undefined);
    const iterator: AsyncIterableIterator<string> = {
      next: () => inner.then((i) => i.next()),
      return: () => inner.then((i) => (i.return as () => Promise<IteratorResult<string>>)()),
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  /** Every binary byte until the end of the channel, concatenated. Rejects on a channel error. */
  readAll(): Promise<Uint8Array> {
    // Locked at once, as a read would be; the loop belongs to the machinery.
    const reader = this.readable.getReader();
    return this.#core((c) => c.readAll(reader)).finally(() => reader.releaseLock());
  }

  /**
   * Stops reading: closes the socket (1000 `channel_close`), drops queued data, ends the readable
   * and the message iterators. The engine never answers a reader's Close (§8 item 37), so this
   * does not wait for one. Idempotent.
   */
  close(): Promise<void> {
    return this.#core((c) => c.close());
  }
}
