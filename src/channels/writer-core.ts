/**
 * The machinery behind `ChannelWriter` (writer.ts), loaded on its first write, message, close or
 * abort (a chunk of its own: a page that never writes a channel never downloads it,
 * src/lazy.ts). The public class owns the `WritableStream` and counts its chunks; this class is its sink:
 * the socket, frames, queued messages, end marks (marks.ts), end and abort; flow control is
 * writer-pace.ts, the messages waiting for their chunk writer-messages.ts. Behaviour is described
 * on `ChannelWriter`.
 *
 * The stream calls the sink's `write()` one chunk at a time. While the socket has room, a chunk's
 * frames are handed to it at once and `write()` returns nothing (no promise, no timer); only a
 * chunk that must wait for the socket, or for it to open, returns a promise.
 */
import { ChannelError, ErrorCode, type ChannelErrorCode } from '../errors.js';
import type { Transport } from '../platform.js';
import { describeReason, encodeAbortFrame } from './abort.js';
import { MAX_FRAME_BYTES, toBytes } from './frames.js';
import { MARK } from './marks.js';
import { DEFAULT_CLOSE_TIMEOUT_MS, type ChannelOptions } from './options.js';
import { openChannelSocket } from './socket.js';
import { WaitingMessages } from './writer-messages.js';
import { SendPace } from './writer-pace.js';

type WriterPhase = 'idle' | 'connecting' | 'open' | 'closing' | 'closed' | 'aborted' | 'failed';

/** One writer's state: socket, pacing, queued messages, end and abort (see `ChannelWriter`). */
export class WriterCore {
  declare readonly channelId: string;

  readonly #url: string;
  readonly #options: ChannelOptions;
  readonly #closeTimeoutMs: number;
  #phase: WriterPhase = 'idle';
  #transport: Transport | undefined;
  #opened: Promise<void> | undefined;
  #failure: Error | undefined;
  readonly #controller: WritableStreamDefaultController;
  /** Resolved when the socket closes after we asked it to. */
  #closed: { promise: Promise<void>; resolve(): void } | undefined;
  /** Chunks fully handed to the socket by the sink. */
  #written = 0;
  /** Messages waiting for their chunk (or for the socket), in call order. */
  readonly #texts = new WaitingMessages();
  readonly #pace: SendPace;
  #aborting: Promise<void> | undefined;
  /** The start marks have been sent (`#mark`). */
  #marked = false;

  /**
   * `url` is the write-side channel URL and `highWaterMark` the stream's, both settled by the
   * public constructor; `controller` is the writable's.
   */
  constructor(channelId: string, url: string, options: ChannelOptions, highWaterMark: number, controller: WritableStreamDefaultController) {
    this.channelId = channelId;
    this.#url = url;
    this.#options = options;
    this.#closeTimeoutMs = options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
    this.#pace = new SendPace(options.platform, highWaterMark, options.unmeteredBytesPerSecond);
    this.#controller = controller;
    // A write waiting for the socket must stop as soon as writable.abort() is called: the stream
    // only runs the sink's abort() after that write settles.
    controller.signal?.addEventListener('abort', () => this.#pace.interrupt(), { once: true });
  }

  /**
   * Sends `text` after the stream's chunk number `after` (counted by the public class when
   * `sendMessage` was called) has gone out.
   */
  sendMessage(text: string, after: number): Promise<void> {
    const refusal = this.#refusal('send a message');
    if (refusal) return Promise.reject(refusal);
    const sent = this.#texts.add(text, after);
    if (this.#phase === 'open') this.#sendTexts();
    else this.#connect().catch(() => undefined);
    return sent;
  }

  // ---- connection -------------------------------------------------------------------------

  #connect(): Promise<void> {
    if (this.#opened) return this.#opened;
    this.#phase = 'connecting';
    this.#opened = new Promise<void>((resolve, reject) => {
      this.#transport = openChannelSocket(this.#url, this.channelId, 'writer', this.#options, {
        open: () => {
          if (this.#phase === 'connecting') this.#phase = 'open';
          // Messages sent before the first chunk go first; the start marks wait for the first
          // binary frame (`#mark`, marks.ts).
          this.#sendTexts();
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
          `another writer already holds this channel (the engine closes and drops a second writer at once, ` +
          `so the drop can arrive before its Close), or the engine stopped (protocol.md §4.4, §8 item 34)`
        : `the engine closed the writer socket (code ${code}${reason ? `, "${reason}"` : ''}): another writer ` +
          `already holds this channel, or the channel has already finished (protocol.md §8 items 34, 36)`;
    this.#fail(this.#error(`Channel ${this.channelId} can no longer be written: ${why}.`, ErrorCode.ChannelClosed));
  }

  #fail(error: Error): void {
    if (this.#phase === 'failed' || this.#phase === 'closed' || this.#phase === 'aborted') return;
    this.#phase = 'failed';
    this.#failure = error;
    this.#texts.rejectAll(error);
    try {
      this.#controller.error(error);
    } catch {
      // The stream is already closed or errored.
    }
    const transport = this.#transport;
    this.#transport = undefined;
    transport?.close();
  }

  #error(message: string, code: ChannelErrorCode, cause?: unknown): ChannelError {
    return new ChannelError(message, this.channelId, cause, code);
  }

  /** A wait for the socket to drain stops: an abort is under way, or the socket is not open. */
  readonly #stopped = (): boolean => !!this.#aborting || !!this.#controller.signal?.aborted || this.#phase !== 'open';

  /** Why a new frame cannot be sent now, or undefined when it can. */
  #refusal(action: string): Error | undefined {
    // An abort requested while a write waits under backpressure stops that write at once,
    // before the stream gets round to calling the sink's abort().
    if (this.#aborting || this.#controller.signal?.aborted || this.#phase === 'aborted') {
      return this.#error(`Cannot ${action}: channel ${this.channelId} was aborted.`, ErrorCode.ChannelAborted);
    }
    if (this.#phase === 'failed') return this.#failure;
    if (this.#phase === 'closing' || this.#phase === 'closed') {
      return this.#error(`Cannot ${action}: channel ${this.channelId} is closed.`, ErrorCode.ChannelClosed);
    }
    return undefined;
  }

  // ---- sending ----------------------------------------------------------------------------

  /** Sends the messages whose chunks have gone out, in order (the socket is open). */
  #sendTexts(): void {
    if (this.#phase === 'open') this.#texts.flush(this.#written, (text) => this.#transport?.send(text));
  }

  /** The sink's `write()`: nothing when the chunk went out at once, else a promise. */
  write(chunk: Uint8Array): Promise<void> | undefined {
    try {
      const bytes = toBytes(chunk);
      if (this.#phase === 'open') return this.#send(bytes, 0);
      return this.#connect()
        .then(() => this.#checked(bytes, 0))
        .catch((error: unknown) => this.#writeFailed(error));
    } catch (error) {
      return this.#writeFailed(error);
    }
  }

  /**
   * The two start marks, once, right before the first binary frame: after the messages sent
   * before it, because the engine's HTTP response takes its status and headers from the messages
   * that precede the first binary frame, an empty one included (protocol.md §8 item 47).
   */
  #mark(transport: Transport): void {
    if (this.#marked) return;
    this.#marked = true;
    transport.send(MARK);
    transport.send(MARK);
  }

  /** Hands the frames of `bytes` from offset `at` to the socket while it has room. */
  #send(bytes: Uint8Array, at: number): Promise<void> | undefined {
    const transport = this.#transport as Transport;
    const size = bytes.byteLength;
    if (at < size) this.#mark(transport);
    while (at < size) {
      const end = Math.min(at + MAX_FRAME_BYTES, size);
      if (!this.#pace.hasRoom(transport, end - at)) return this.#waitAndSend(bytes, at, end - at);
      // A chunk of one frame goes as is; longer ones as views, never copies.
      transport.send(at === 0 && end === size ? bytes : bytes.subarray(at, end));
      at = end;
    }
    this.#written++;
    if (this.#texts.size > 0) this.#sendTexts();
    return undefined;
  }

  async #waitAndSend(bytes: Uint8Array, at: number, frameBytes: number): Promise<void> {
    try {
      await this.#pace.room(this.#transport as Transport, frameBytes, this.#stopped);
      await this.#checked(bytes, at);
    } catch (error) {
      await this.#writeFailed(error);
    }
  }

  #checked(bytes: Uint8Array, at: number): Promise<void> | undefined {
    const refusal = this.#refusal('write');
    if (refusal) throw refusal;
    return this.#send(bytes, at);
  }

  /**
   * A write that failed. A rejected sink write errors the stream without calling the sink's
   * abort(); abort here so the reader is not left waiting (a bad chunk type, say). After a
   * socket failure or an abort this does nothing; when an abort is under way it carries the
   * real reason.
   */
  #writeFailed(error: unknown): Promise<never> {
    if (!this.#aborting && !this.#controller.signal?.aborted) void this.abort(error);
    return Promise.reject(error);
  }

  // ---- end --------------------------------------------------------------------------------

  /** The sink's `close()`: the messages still waiting, the end mark, then the Close. */
  async finish(): Promise<void> {
    await this.#connect();
    const refusal = this.#refusal('close');
    if (refusal) throw refusal;
    // Messages whose chunk count drifted (a refused write) go now, before the end mark.
    this.#texts.releaseAll();
    this.#sendTexts();
    const transport = this.#transport;
    if (transport) {
      // A stream without data is marked too: start marks, then the end mark.
      this.#mark(transport);
      transport.send(MARK);
    }
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
    let socketClosed = false;
    let resolveClosed!: () => void;
    const promise = new Promise<void>((resolve) => {
      resolveClosed = resolve;
    }).then(() => {
      socketClosed = true;
    });
    this.#closed = { promise, resolve: resolveClosed };
    transport.close(code, reason);
    // Same pace as write(): bytes still in this process wait for the network, however long.
    await this.#pace.drained(transport, () => socketClosed, Infinity);
    await this.#pace.within(promise, this.#closeTimeoutMs);
  }

  /**
   * The sink's `abort()`, and `ChannelWriter.abort()` while the writable is locked. Resolves
   * once the abort frame has left this process (bounded by `closeTimeoutMs`), so a process that
   * exits right after `await abort()` has told its reader.
   */
  abort(reason: unknown): Promise<void> {
    this.#pace.interrupt();
    if (this.#aborting) return this.#aborting;
    if (this.#phase === 'closed' || this.#phase === 'closing' || this.#phase === 'failed') return Promise.resolve();
    const error = this.#error(`Channel ${this.channelId} was aborted: ${describeReason(reason)}`, ErrorCode.ChannelAborted, reason);
    this.#texts.rejectAll(error);
    this.#aborting = (async () => {
      // Connect even if nothing was written: otherwise the reader waits until the engine sweeps
      // the channel (§4.5) and then sees a clean, empty end.
      try {
        await this.#connect();
      } catch {
        return; // The socket cannot open: nobody can be told.
      }
      const transport = this.#transport;
      if (!transport || this.#phase !== 'open') return;
      this.#phase = 'aborted';
      transport.send(encodeAbortFrame(reason));
      // On the wire before abort() resolves; no wait for the engine's echo: under backpressure
      // the frame queues behind data the engine has not read yet (§4.4), and a stalled reader
      // would hold it forever.
      await this.#pace.drained(transport, () => this.#transport !== transport, this.#closeTimeoutMs);
      this.#closed = { promise: Promise.resolve(), resolve: () => undefined };
      transport.close(1000, 'channel_abort');
    })();
    return this.#aborting;
  }
}
