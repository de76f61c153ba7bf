/**
 * The writing end of a data channel (protocol.md §4) as a WHATWG `WritableStream`.
 */
import { DEFAULT_WRITER_HIGH_WATER_MARK, type ChannelOptions } from './options.js';
import type { StreamChannelRef } from './ref.js';
import { lazily } from '../lazy.js';
import { channelUrl } from './url.js';
import type { WriterCore } from './writer-core.js';

/**
 * Writes one channel. Bytes written to {@link ChannelWriter.writable} go out as binary frames of
 * at most 64 KiB (protocol.md §4.7); {@link ChannelWriter.sendMessage} sends a text frame, in
 * order with the bytes written before it. The socket opens on the first write, message, close or
 * abort; chunks written before it is open wait in the stream's queue, and `writer.ready` /
 * `desiredSize` report that queue against `highWaterMark` bytes (default 1 MiB).
 *
 * **Send-side flow control.** `write()` settles once its frames are handed to the socket and the
 * socket's unsent bytes (`bufferedAmount()`) are at most `highWaterMark`; until then it waits,
 * woken by the socket's own write completions where the runtime reports them (Node's `ws`), else
 * re-reading `bufferedAmount()` every 2 ms (the WebSocket API has no drain event). The engine
 * stops reading a writer whose channel queue is full (§4.4), so this carries the reader's pace
 * back to the producer.
 *
 * Where `bufferedAmount()` is undefined (workerd) nothing tells us what the runtime still holds,
 * and no in-band credit is possible: the engine never forwards anything from the reader to the
 * writer (§8 item 37). The writer then paces itself with a token bucket: at most `highWaterMark`
 * bytes at once, then `unmeteredBytesPerSecond` (32 MiB/s by default), waiting on real timers.
 * That caps how fast the runtime's hidden send queue can grow: by the cap minus the reader's pace,
 * never faster. It is not a hard memory bound against a reader that is slower than the cap or
 * stalled. Measured in workerd (test/bench/channel-memory.ts --workerd): without pacing, 256 MiB
 * written faster than a 32 MB/s reader took workerd's RSS from 49 to 306 MiB, and yielding bare
 * macrotasks changed nothing because `setTimeout(0)` returns at once there. For a hard bound, set
 * the cap near the reader's pace, or have the reader acknowledge progress at the application
 * level (for example on a second channel in the other direction). See docs/channels.md.
 *
 * **End, abort, errors.** `close()` / `writable.close()` sends what is queued, then a Close 1000
 * (`stream_complete`), and settles when the engine echoes it (§4.3: by then the engine has every
 * frame). `abort(reason)` / `writable.abort(reason)` (also what a failing `pipeTo` source does)
 * sends the abort frame of `abort.ts` and closes, so the reader's stream errors with the reason
 * instead of ending cleanly. When the engine drops the socket (the reader went away, §4.4), the
 * stream errors with a `ChannelError` and the next `write()` rejects with it.
 *
 * **Loading.** The machinery lives in a chunk of its own (`WriterCore`, writer-core.ts) imported on
 * the first write, message, close or abort, so an app that never writes a channel does not load
 * it; an import that fails (a page gone offline) is tried again by the next use. The
 * constructor stays synchronous and validates the URL at once; chunks written meanwhile wait in
 * the stream's queue as they would for the socket.
 */
export class ChannelWriter {
  declare readonly channelId: string;
  /** Bytes to send. `close()` ends the channel, `abort()` errors the reader. */
  declare readonly writable: WritableStream<Uint8Array>;

  /** Runs `use` on the writer's machinery, importing it the first time (see "Loading"). */
  readonly #core: <T>(use: (core: WriterCore) => T | PromiseLike<T>) => Promise<T>;
  #controller!: WritableStreamDefaultController;
  /** Chunks accepted by the stream (counted by the size function, called inside `write()`). */
  #accepted = 0;

  constructor(engineWsBase: string, ref: StreamChannelRef, options: ChannelOptions) {
    this.channelId = ref.channel_id;
    const url = channelUrl(engineWsBase, { ...ref, direction: 'write' });
    const highWaterMark = Math.max(1, options.highWaterMark ?? DEFAULT_WRITER_HIGH_WATER_MARK);
    // Once loaded, the sink calls the machinery directly: no promise per chunk for the import.
    let loaded: WriterCore | undefined;
    this.#core = lazily(() =>
      import('./writer-core.js').then((m) => (loaded = new m.WriterCore(this.channelId, url, options, highWaterMark, this.#controller))),
    );
    this.writable = new WritableStream<Uint8Array>(
      {
        start: (c) => {
          this.#controller = c;
        },
        write: (chunk) => (loaded ? loaded.write(chunk) : this.#core((c) => c.write(chunk))),
        close: () => this.#core((c) => c.finish()),
        abort: (reason) => this.#core((c) => c.abort(reason)),
      },
      {
        highWaterMark,
        size: (chunk) => {
          // Called synchronously by write(), in write order: the count lets sendMessage() slot
          // a text frame after exactly the chunks written before it.
          this.#accepted++;
          return chunk && typeof (chunk as Uint8Array).byteLength === 'number' ? (chunk as Uint8Array).byteLength : 1;
        },
      },
    );
  }

  /**
   * Sends `text` as one text frame, after every chunk already written to `writable`. Resolves when
   * the frame is handed to the socket.
   */
  sendMessage(text: string): Promise<void> {
    if (typeof text !== 'string') return Promise.reject(new TypeError('ChannelWriter.sendMessage expects a string.'));
    const after = this.#accepted;
    return this.#core((c) => c.sendMessage(text, after));
  }

  /** Same as `writable.close()`: sends what is queued, then Close 1000. */
  close(): Promise<void> {
    if (this.writable.locked) {
      return Promise.reject(new TypeError('ChannelWriter.writable is locked by a writer: close it through that writer.'));
    }
    return this.writable.close();
  }

  /**
   * Errors the channel for the reader (see `abort.ts`) and closes the socket. Works whether or not
   * the writable is locked by a writer; queued chunks are discarded.
   */
  abort(reason?: unknown): Promise<void> {
    if (!this.writable.locked) return this.writable.abort(reason);
    try {
      this.#controller.error(reason);
    } catch {
      // Already errored or closed: the abort below decides whether anything is left to do.
    }
    return this.#core((c) => c.abort(reason));
  }
}
