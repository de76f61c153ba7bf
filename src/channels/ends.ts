/**
 * The channel ends a client hands out (§4): those of `createChannel()` (§4.1), and those that
 * replace the refs found in an inbound payload before its handler runs (§4.6). They are made
 * with the reader and writer classes of the platform entry, so that `instanceof` the classes a
 * user imports holds for them too.
 */
import type { Platform } from '../platform.js';
import { ChannelReader } from './reader.js';
import type { StreamChannelRef } from './ref.js';
import { ChannelWriter } from './writer.js';

/**
 * Optional dependencies a platform entry may override: its own channel classes (the Node
 * entry's add Node streams), whose types `createChannel()` then returns.
 */
export interface ClientDeps<TReader = ChannelReader, TWriter = ChannelWriter> {
  ChannelReader?: new (base: string, ref: StreamChannelRef, options: { platform: Platform }) => TReader;
  ChannelWriter?: new (base: string, ref: StreamChannelRef, options: { platform: Platform }) => TWriter;
}

/** Result of `createChannel()`: both live ends, and the refs to pass in payloads (§4.6). */
export interface Channel<TReader = ChannelReader, TWriter = ChannelWriter> {
  reader: TReader;
  writer: TWriter;
  readerRef: StreamChannelRef;
  writerRef: StreamChannelRef;
}

export class ChannelEnds {
  readonly #address: () => string;
  readonly #options: { platform: Platform };
  readonly #deps: ClientDeps<unknown, unknown>;

  /** Channel URLs are built from the engine address (url.ts): the current one, which an address function may change. */
  constructor(platform: Platform, address: () => string, deps: ClientDeps<unknown, unknown>) {
    this.#address = address;
    this.#options = { platform };
    this.#deps = deps;
  }

  reader(ref: StreamChannelRef): ChannelReader {
    return new ((this.#deps.ChannelReader ?? ChannelReader) as typeof ChannelReader)(this.#address(), ref, this.#options);
  }

  writer(ref: StreamChannelRef): ChannelWriter {
    return new ((this.#deps.ChannelWriter ?? ChannelWriter) as typeof ChannelWriter)(this.#address(), ref, this.#options);
  }

  /** The end a ref found in a payload stands for, by its `direction` (§4.6). */
  open(ref: StreamChannelRef): ChannelReader | ChannelWriter {
    return ref.direction === 'read' ? this.reader(ref) : this.writer(ref);
  }

  /** `engine::channels::create` (§4.1) through `trigger`, then both local ends. */
  async create(trigger: (request: { function_id: string; payload: unknown }) => Promise<unknown>, bufferSize?: number): Promise<Channel> {
    const payload = bufferSize === undefined ? {} : { buffer_size: bufferSize };
    const { reader, writer } = (await trigger({ function_id: 'engine::channels::create', payload })) as { reader: StreamChannelRef; writer: StreamChannelRef };
    return { reader: this.reader(reader), writer: this.writer(writer), readerRef: reader, writerRef: writer };
  }
}
