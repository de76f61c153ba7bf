/**
 * The writing end of a data channel (protocol.md §4) as a WHATWG `WritableStream`.
 */
import { ChannelError } from '../errors.js';
import type { Platform, Transport } from '../platform.js';
import { describeReason, encodeAbortFrame } from './abort.js';
import { splitFrames, toBytes } from './frames.js';
import {
  DEFAULT_CLOSE_TIMEOUT_MS,
  DEFAULT_DRAIN_POLL_MS,
  DEFAULT_UNMETERED_BYTES_PER_SECOND,
  DEFAULT_WRITER_HIGH_WATER_MARK,
  type ChannelOptions,
} from './options.js';
import type { StreamChannelRef } from './ref.js';
import { openChannelSocket } from './socket.js';
import { channelUrl } from './url.js';

type WriterPhase = 'idle' | 'connecting' | 'open' | 'closing' | 'closed' | 'aborted' | 'failed';

interface PendingText {
  /** Sent right after the stream's chunk number `after` has been sent. */
  after: number;
  text: string;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Writes one channel. Bytes written to {@link ChannelWriter.writable} go out as binary frames of
 * at most 64 KiB (protocol.md §4.7); {@link ChannelWriter.sendMessage} sends a text frame, in
 * order with the bytes written before it. The socket opens on the first write, message, close or
 * abort; chunks written before it is open wait in the stream's queue, and `writer.ready` /
 * `desiredSize` report that queue against `highWaterMark` bytes (default 1 MiB).
 *
 * **Send-side flow control.** `write()` settles once its frames are handed to the socket and the
 * socket's unsent bytes (`bufferedAmount()`) are at most `highWaterMark`; until then it waits,
 * polling every 2 ms (the WebSocket API has no drain event). The engine stops reading a writer
 * whose channel queue is full (§4.4), so this carries the reader's pace back to the producer.
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
 */
export class ChannelWriter {
  readonly channelId: string;
  /** Bytes to send. `close()` ends the channel, `abort()` errors the reader. */
  readonly writable: WritableStream<Uint8Array>;

  readonly #url: string;
  readonly #options: ChannelOptions;
  readonly #platform: Platform;
  readonly #highWaterMark: number;
  #phase: WriterPhase = 'idle';
  #transport: Transport | undefined;
  #opened: Promise<void> | undefined;
  #failure: Error | undefined;
  #controller!: WritableStreamDefaultController;
  /** Resolved when the socket closes after we asked it to. */
  #closed: { promise: Promise<void>; resolve(): void } | undefined;
  /** Serial socket work: every frame goes out through this chain, so order is the call order. */
  #lane: Promise<void> = Promise.resolve();
  /** Chunks accepted by the stream (counted by the size function, called inside `write()`). */
  #accepted = 0;
  /** Chunks fully handed to the socket by the sink. */
  #written = 0;
  #pendingTexts: PendingText[] = [];
  /** Token bucket of the unmetered pacing: bytes that may be sent now, and when it was filled. */
  #tokens: number | undefined;
  #tokensAt = 0;
  #aborting: Promise<void> | undefined;

  constructor(engineWsBase: string, ref: StreamChannelRef, options: ChannelOptions) {
    this.channelId = ref.channel_id;
    this.#url = channelUrl(engineWsBase, { ...ref, direction: 'write' });
    this.#options = options;
    this.#platform = options.platform;
    this.#highWaterMark = Math.max(1, options.highWaterMark ?? DEFAULT_WRITER_HIGH_WATER_MARK);
    this.writable = new WritableStream<Uint8Array>(
      {
        start: (controller) => {
          this.#controller = controller;
        },
        write: (chunk) => this.#writeChunk(chunk),
        close: () => this.#finish(),
        abort: (reason) => this.#abort(reason),
      },
      {
        highWaterMark: this.#highWaterMark,
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
    const refusal = this.#refusal('send a message');
    if (refusal) return Promise.reject(refusal);
    return new Promise<void>((resolve, reject) => {
      const pending: PendingText = { after: this.#accepted, text, resolve, reject };
      if (pending.after <= this.#written) this.#queueText(pending);
      else this.#pendingTexts.push(pending);
    });
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
    return this.#abort(reason);
  }

  // ---- connection -------------------------------------------------------------------------

  #connect(): Promise<void> {
    if (this.#opened) return this.#opened;
    this.#phase = 'connecting';
    this.#opened = new Promise<void>((resolve, reject) => {
      this.#transport = openChannelSocket(this.#url, this.channelId, 'writer', this.#options, {
        open: () => {
          if (this.#phase === 'connecting') this.#phase = 'open';
          resolve();
        },
        message: () => {
          // The engine never sends a writer anything but Close (§4.3).
        },
        closed: (code, reason) => this.#onClosed(code, reason),
        failed: (error) => {
          this.#fail(error);
          reject(error);
        },
      });
    });
    // The failure is also reported through the stream; do not let this copy go unhandled.
    this.#opened.catch(() => undefined);
    return this.#opened;
  }

  #onClosed(code: number, reason: string): void {
    this.#transport = undefined;
    if (this.#closed) {
      // The echo of our own Close (§4.3), or the drop that followed it.
      const closed = this.#closed;
      this.#closed = undefined;
      closed.resolve();
      return;
    }
    const why =
      code === 1006
        ? `the engine dropped the writer socket (code 1006): the channel's reader went away or cancelled, ` +
          `or the engine stopped (protocol.md §4.4)`
        : `the engine closed the writer socket (code ${code}${reason ? `, "${reason}"` : ''}): another writer ` +
          `already holds this channel, or the channel has already finished (protocol.md §8 items 34, 36)`;
    this.#fail(new ChannelError(`Channel ${this.channelId} can no longer be written: ${why}.`, this.channelId));
  }

  #fail(error: Error): void {
    if (this.#phase === 'failed' || this.#phase === 'closed' || this.#phase === 'aborted') return;
    this.#phase = 'failed';
    this.#failure = error;
    for (const pending of this.#pendingTexts.splice(0)) pending.reject(error);
    try {
      this.#controller.error(error);
    } catch {
      // The stream is already closed or errored.
    }
    const transport = this.#transport;
    this.#transport = undefined;
    transport?.close();
  }

  /** Why a new frame cannot be sent now, or undefined when it can. */
  #refusal(action: string): Error | undefined {
    // An abort requested while a write waits under backpressure stops that write at once,
    // before the stream gets round to calling the sink's abort().
    if (this.#aborting || this.#controller.signal?.aborted) {
      return new ChannelError(`Cannot ${action}: channel ${this.channelId} was aborted.`, this.channelId);
    }
    switch (this.#phase) {
      case 'failed':
        return this.#failure;
      case 'aborted':
        return new ChannelError(`Cannot ${action}: channel ${this.channelId} was aborted.`, this.channelId);
      case 'closing':
      case 'closed':
        return new ChannelError(`Cannot ${action}: channel ${this.channelId} is closed.`, this.channelId);
      default:
        return undefined;
    }
  }

  // ---- sending ----------------------------------------------------------------------------

  /** Runs `op` after every earlier op; a failed op does not block later ones (they re-check). */
  #enqueue(op: () => Promise<void>): Promise<void> {
    const run = this.#lane.then(op);
    this.#lane = run.catch(() => undefined);
    return run;
  }

  #queueText(pending: PendingText): void {
    this.#enqueue(async () => {
      await this.#connect();
      const refusal = this.#refusal('send a message');
      if (refusal) throw refusal;
      this.#transport?.send(pending.text);
    }).then(pending.resolve, pending.reject);
  }

  async #writeChunk(chunk: Uint8Array): Promise<void> {
    try {
      await this.#sendChunk(chunk);
    } catch (error) {
      // A rejected sink write errors the stream without calling the sink's abort(); abort here so
      // the reader is not left waiting (a bad chunk type, say). After a socket failure or an
      // abort this does nothing.
      // When the write failed because an abort is under way, that abort carries the real reason.
      if (!this.#aborting && !this.#controller.signal?.aborted) void this.#abort(error);
      throw error;
    }
  }

  async #sendChunk(chunk: Uint8Array): Promise<void> {
    const bytes = toBytes(chunk);
    await this.#enqueue(async () => {
      await this.#connect();
      for (const frame of splitFrames(bytes)) {
        await this.#capacity(frame.byteLength);
        const refusal = this.#refusal('write');
        if (refusal) throw refusal;
        this.#transport?.send(frame);
      }
    });
    this.#written++;
    // Texts sent after this chunk go into the lane now, before the stream hands us the next one.
    while (this.#pendingTexts.length > 0 && (this.#pendingTexts[0]?.after ?? Infinity) <= this.#written) {
      this.#queueText(this.#pendingTexts.shift() as PendingText);
    }
  }

  /** Waits until the socket can take another frame (see the class comment). */
  async #capacity(frameBytes: number): Promise<void> {
    const transport = this.#transport;
    if (!transport) return;
    if (transport.bufferedAmount() === undefined) {
      await this.#pace(frameBytes);
      return;
    }
    for (;;) {
      if (this.#aborting || this.#controller.signal?.aborted || this.#phase !== 'open') return;
      const buffered = this.#transport?.bufferedAmount();
      if (buffered === undefined || buffered <= this.#highWaterMark) return;
      await this.#sleep(DEFAULT_DRAIN_POLL_MS);
    }
  }

  /**
   * Token bucket for runtimes without `bufferedAmount`: at most `highWaterMark` bytes at once,
   * then `unmeteredBytesPerSecond`. Real timer waits, not bare macrotask yields: in workerd a
   * `setTimeout(0)` resolves before the socket has drained anything (measured, docs/channels.md).
   */
  async #pace(frameBytes: number): Promise<void> {
    const rate = Math.max(1, this.#options.unmeteredBytesPerSecond ?? DEFAULT_UNMETERED_BYTES_PER_SECOND);
    const refill = (): number => {
      const now = this.#platform.now();
      const tokens = Math.min(this.#highWaterMark, (this.#tokens ?? this.#highWaterMark) + ((now - this.#tokensAt) * rate) / 1000);
      this.#tokensAt = now;
      return tokens;
    };
    let tokens = refill();
    while (tokens < frameBytes) {
      this.#tokens = tokens;
      await this.#sleep(Math.max(1, Math.ceil(((frameBytes - tokens) * 1000) / rate)));
      if (this.#aborting || this.#controller.signal?.aborted || this.#phase !== 'open') return;
      tokens = refill();
    }
    this.#tokens = tokens - frameBytes;
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.#platform.setTimeout(resolve, ms);
    });
  }

  // ---- end --------------------------------------------------------------------------------

  async #finish(): Promise<void> {
    // Texts still waiting (a chunk count that drifted because write() was refused) go first.
    for (const pending of this.#pendingTexts.splice(0)) this.#queueText(pending);
    await this.#enqueue(() => this.#connect());
    await this.#lane;
    const refusal = this.#refusal('close');
    if (refusal) throw refusal;
    await this.#closeSocket(1000, 'stream_complete');
    this.#phase = 'closed';
  }

  /**
   * Close, let the socket send everything, then wait (bounded) for the engine's echo, which
   * means the engine has read every frame (§4.3). A slow or absent reader keeps the engine from
   * reading (§4.4); after `closeTimeoutMs` we stop waiting but leave the socket alone, so no data
   * is cut off: it closes by itself when the engine echoes or drops it.
   */
  async #closeSocket(code: number, reason: string): Promise<void> {
    const transport = this.#transport;
    if (!transport) return;
    this.#phase = 'closing';
    let resolveClosed!: () => void;
    const promise = new Promise<void>((resolve) => {
      resolveClosed = resolve;
    });
    this.#closed = { promise, resolve: resolveClosed };
    transport.close(code, reason);
    let socketClosed = false;
    void promise.then(() => {
      socketClosed = true;
    });
    // Same pace as write(): bytes still in this process wait for the network, however long.
    while (!socketClosed && (transport.bufferedAmount() ?? 0) > 0) await this.#sleep(DEFAULT_DRAIN_POLL_MS);
    const timeoutMs = this.#options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
    let timer: unknown;
    const timedOut = new Promise<void>((resolve) => {
      timer = this.#platform.setTimeout(resolve, timeoutMs);
    });
    await Promise.race([promise, timedOut]);
    this.#platform.clearTimeout(timer);
  }

  #abort(reason: unknown): Promise<void> {
    if (this.#aborting) return this.#aborting;
    if (this.#phase === 'closed' || this.#phase === 'closing' || this.#phase === 'failed') return Promise.resolve();
    const error = new ChannelError(`Channel ${this.channelId} was aborted: ${describeReason(reason)}`, this.channelId, reason);
    for (const pending of this.#pendingTexts.splice(0)) pending.reject(error);
    this.#aborting = (async () => {
      // Connect even if nothing was written: otherwise the reader waits until the engine sweeps
      // the channel (§4.5) and then sees a clean, empty end.
      try {
        await this.#connect();
      } catch {
        return; // The socket cannot open: nobody can be told.
      }
      this.#phase = 'aborted';
      const transport = this.#transport;
      if (!transport) return;
      transport.send(encodeAbortFrame(reason));
      // No wait for the engine's echo: under backpressure the frame and the Close queue behind
      // data the engine has not read yet (§4.4), and an abort must not wait for a slow reader.
      this.#closed = { promise: Promise.resolve(), resolve: () => undefined };
      transport.close(1000, 'channel_abort');
    })();
    return this.#aborting;
  }
}
