/**
 * The Node entry's channel ends: the core's WHATWG ends plus the Node streams `iii-sdk` users
 * know (`reader.stream`, a `Readable`; `writer.stream`, a `Writable`), built on the WHATWG streams
 * and made on first access, so an end whose `.stream` is never touched costs nothing more; and
 * `readAll()` always resolving a `Buffer`. Semantics: docs/channels.md "Node streams".
 */
import { Readable, Writable } from 'node:stream';
import { ChannelReader as CoreReader } from '../../src/channels/reader.js';
import type { StreamChannelRef } from '../../src/channels/ref.js';
import type { ChannelOptions } from '../../src/channels/options.js';
import { ChannelWriter as CoreWriter } from '../../src/channels/writer.js';
import { createNodePlatform } from './platform.js';

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * A `Readable` of the channel's bytes that reads `readable` one chunk per `_read()`: nothing is
 * taken from the channel beyond what the Node stream's own buffer asks for, so the reader's
 * pull-driven backpressure holds. A channel error destroys it with that `ChannelError`;
 * `destroy()` cancels the channel (its socket closes).
 */
function nodeReadable(readable: ReadableStream<Uint8Array>): Readable {
  const reader = readable.getReader();
  return new Readable({
    read() {
      reader.read().then(
        ({ done, value }) => void this.push(done ? null : value),
        (error: unknown) => this.destroy(error as Error),
      );
    },
    destroy(error, callback) {
      reader.cancel(error ?? undefined).then(
        () => callback(error),
        () => callback(error),
      );
    },
  });
}

/**
 * A `Writable` whose chunks go through `writer.writable` (64 KiB frames, its backpressure: each
 * chunk's callback waits for the socket to have room). `end()` ends the channel cleanly (the end
 * mark and Close 1000); destroying it before `end()` finished aborts the channel, so the reader
 * errors instead of seeing a complete stream.
 */
function nodeWritable(writer: CoreWriter): Writable {
  const w = writer.writable.getWriter();
  let ended = false;
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      w.write(chunk).then(() => callback(), callback);
    },
    final(callback) {
      w.close().then(() => {
        ended = true;
        callback();
      }, callback);
    },
    destroy(error, callback) {
      if (ended) return callback(error);
      writer.abort(error ?? new Error('the channel Writable was destroyed before end()')).then(
        () => callback(error),
        () => callback(error),
      );
    },
  });
}

/** Reads a channel end: `new ChannelReader(engineWsBase, ref)`; `.stream` is a Node `Readable`. */
export class ChannelReader extends CoreReader {
  #stream: Readable | undefined;

  constructor(engineWsBase: string, ref: StreamChannelRef, options: Partial<ChannelOptions> = {}) {
    super(engineWsBase, ref, { ...options, platform: options.platform ?? createNodePlatform() });
  }

  /**
   * The channel's bytes as a Node `Readable` (one `Buffer` per binary frame), made on first
   * access over `readable`, which it then holds: read the channel through one of them.
   */
  get stream(): Readable {
    if (!this.#stream && this.readable.locked) {
      throw new TypeError(
        'ChannelReader.stream: the readable is already being read (readAll(), readable.getReader() or a pipe); read the channel through one of them.',
      );
    }
    return (this.#stream ??= nodeReadable(this.readable));
  }

  /** Every byte until the end of the channel, as one `Buffer` (through `.stream` once it exists). */
  override async readAll(): Promise<Buffer> {
    if (!this.#stream) return asBuffer(await super.readAll());
    const parts: Buffer[] = [];
    for await (const chunk of this.#stream) parts.push(chunk as Buffer);
    return Buffer.concat(parts);
  }
}

/** Writes a channel end: `new ChannelWriter(engineWsBase, ref)`; `.stream` is a Node `Writable`. */
export class ChannelWriter extends CoreWriter {
  #stream: Writable | undefined;

  constructor(engineWsBase: string, ref: StreamChannelRef, options: Partial<ChannelOptions> = {}) {
    super(engineWsBase, ref, { ...options, platform: options.platform ?? createNodePlatform() });
  }

  /**
   * The channel as a Node `Writable` (strings are written as UTF-8 bytes), made on first access
   * over `writable`, which it then holds. `end()` closes the channel; `destroy()` before that
   * aborts it.
   */
  get stream(): Writable {
    if (!this.#stream && this.writable.locked) {
      throw new TypeError('ChannelWriter.stream: the writable is already locked by a writer; write the channel through one of them.');
    }
    return (this.#stream ??= nodeWritable(this));
  }

  /** Same as `writable.close()`, or `stream.end()` once `.stream` exists: resolves when the channel is closed. */
  override close(): Promise<void> {
    const stream = this.#stream;
    if (!stream) return super.close();
    return new Promise<void>((resolve, reject) => {
      stream.end((error?: Error | null) => (error ? reject(error) : resolve()));
    });
  }
}
