/**
 * What every runtime entry builds from its platform factory, besides re-exporting the public
 * surface (src/public.ts): its channel reader and writer classes; `registerWorker` is then
 * `createClientFactory(createPlatform, { ChannelReader, ChannelWriter })`.
 *
 * Why each entry has classes of its own: a `new ChannelReader(engineWsBase, ref)` a user makes
 * needs a platform to open its socket with, and the entry is what knows the runtime. And the
 * client is handed those same classes, so that every channel end it makes (`createChannel()`,
 * a ref in an inbound payload) is an instance of the class the user imported from that entry.
 */
import type { ChannelOptions } from '../src/channels/options.js';
import { ChannelReader } from '../src/channels/reader.js';
import type { StreamChannelRef } from '../src/channels/ref.js';
import { ChannelWriter } from '../src/channels/writer.js';
import type { Platform } from '../src/platform.js';

type EndClass<T> = new (engineWsBase: string, ref: StreamChannelRef, options?: Partial<ChannelOptions>) => T;

/** The reader class of an entry: `new ChannelReader(engineWsBase, ref)` uses `createPlatform()`. */
export function readerFor(createPlatform: () => Platform): EndClass<ChannelReader> {
  return class extends ChannelReader {
    constructor(engineWsBase: string, ref: StreamChannelRef, options: Partial<ChannelOptions> = {}) {
      super(engineWsBase, ref, { ...options, platform: options.platform ?? createPlatform() });
    }
  };
}

/** The writer class of an entry: `new ChannelWriter(engineWsBase, ref)` uses `createPlatform()`. */
export function writerFor(createPlatform: () => Platform): EndClass<ChannelWriter> {
  return class extends ChannelWriter {
    constructor(engineWsBase: string, ref: StreamChannelRef, options: Partial<ChannelOptions> = {}) {
      super(engineWsBase, ref, { ...options, platform: options.platform ?? createPlatform() });
    }
  };
}
