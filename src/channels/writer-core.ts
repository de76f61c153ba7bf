/**
 * The machinery behind `ChannelWriter` (writer.ts), loaded on its first write, message, close or
 * abort (a chunk of its own: a page that never writes a channel never downloads it,
 * src/lazy.ts). The public class owns the `WritableStream` and counts its chunks; this class is its sink:
 * the socket lane, queued messages, end and abort; flow control is writer-pace.ts. Behaviour is
 * described on `ChannelWriter`.
 */
import { ChannelError } from '../errors.js';
import type { Platform, Transport } from '../platform.js';
import { describeReason, encodeAbortFrame } from './abort.js';
import { splitFrames, toBytes } from './frames.js';
import { DEFAULT_CLOSE_TIMEOUT_MS, DEFAULT_DRAIN_POLL_MS, type ChannelOptions } from './options.js';
import { openChannelSocket } from './socket.js';
import { SendPace } from './writer-pace.js';

type WriterPhase = 'idle' | 'connecting' | 'open' | 'closing' | 'closed' | 'aborted' | 'failed';

interface PendingText {
  /** Sent right after the stream's chunk number `after` has been sent. */
  after: number;
  text: string;
  resolve(): void;
  reject(error: unknown): void;
}

/** One writer's state: socket lane, pacing, queued messages, end and abort (see `ChannelWriter`). */
export class WriterCore {
  readonly channelId: string;

  readonly #url: string;
  readonly #options: ChannelOptions;
  readonly #platform: Platform;
  #phase: WriterPhase = 'idle';
  #transport: Transport | undefined;
  #opened: Promise<void> | undefined;
  #failure: Error | undefined;
  readonly #controller: WritableStreamDefaultController;
  /** Resolved when the socket closes after we asked it to. */
  #closed: { promise: Promise<void>; resolve(): void } | undefined;
  /** Serial socket work: every frame goes out through this chain, so order is the call order. */
  #lane: Promise<void> = Promise.resolve();
  /** Chunks fully handed to the socket by the sink. */
  #written = 0;
  #pendingTexts: PendingText[] = [];
  readonly #pace: SendPace;
  #aborting: Promise<void> | undefined;
  /** Ends every wait for the socket to drain (an abort, from either path). */
  readonly #stopWaiting = new AbortController();

  /**
   * `url` is the write-side channel URL and `highWaterMark` the stream's, both settled by the
   * public constructor; `controller` is the writable's.
   */
  constructor(channelId: string, url: string, options: ChannelOptions, highWaterMark: number, controller: WritableStreamDefaultController) {
    this.channelId = channelId;
    this.#url = url;
    this.#options = options;
    this.#platform = options.platform;
    this.#pace = new SendPace(options.platform, highWaterMark, options.unmeteredBytesPerSecond);
    this.#controller = controller;
    // A write waiting for the socket must stop as soon as writable.abort() is called: the stream
    // only runs the sink's abort() after that write settles.
    controller.signal?.addEventListener('abort', () => this.#stopWaiting.abort(), { once: true });
  }

  /**
   * Sends `text` after the stream's chunk number `after` (counted by the public class when
   * `sendMessage` was called) has gone out.
   */
  sendMessage(text: string, after: number): Promise<void> {
    const refusal = this.#refusal('send a message');
    if (refusal) return Promise.reject(refusal);
    return new Promise<void>((resolve, reject) => {
      const pending: PendingText = { after, text, resolve, reject };
      if (pending.after <= this.#written) this.#queueText(pending);
      else this.#pendingTexts.push(pending);
    });
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

  /** A wait for the socket to drain stops: an abort is under way, or the socket is not open. */
  #stopped(): boolean {
    return !!this.#aborting || !!this.#controller.signal?.aborted || this.#phase !== 'open';
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

  /** The sink's `write()`. */
  async write(chunk: Uint8Array): Promise<void> {
    try {
      await this.#sendChunk(chunk);
    } catch (error) {
      // A rejected sink write errors the stream without calling the sink's abort(); abort here so
      // the reader is not left waiting (a bad chunk type, say). After a socket failure or an
      // abort this does nothing.
      // When the write failed because an abort is under way, that abort carries the real reason.
      if (!this.#aborting && !this.#controller.signal?.aborted) void this.abort(error);
      throw error;
    }
  }

  async #sendChunk(chunk: Uint8Array): Promise<void> {
    const bytes = toBytes(chunk);
    await this.#enqueue(async () => {
      await this.#connect();
      for (const frame of splitFrames(bytes)) {
        await this.#pace.room(() => this.#transport, frame.byteLength, () => this.#stopped(), this.#stopWaiting.signal);
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

  // ---- end --------------------------------------------------------------------------------

  /** The sink's `close()`. */
  async finish(): Promise<void> {
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
    while (!socketClosed && (transport.bufferedAmount() ?? 0) > 0) await this.#pace.sleep(DEFAULT_DRAIN_POLL_MS);
    const timeoutMs = this.#options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
    let timer: unknown;
    const timedOut = new Promise<void>((resolve) => {
      timer = this.#platform.setTimeout(resolve, timeoutMs);
    });
    await Promise.race([promise, timedOut]);
    this.#platform.clearTimeout(timer);
  }

  /** The sink's `abort()`, and `ChannelWriter.abort()` while the writable is locked. */
  abort(reason: unknown): Promise<void> {
    this.#stopWaiting.abort();
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
