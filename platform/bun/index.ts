/**
 * The Bun entry: `registerWorker` and the channel classes bound to Bun's global
 * WebSocket (upgrade headers and receive pause supported), plus the whole public surface.
 */
// Straight from the class modules, not the channels index: the index also names the lazily
// loaded machinery (channel-streams.ts), which must stay out of the entry chunk.
import type { ChannelOptions } from '../../src/channels/options.js';
import { ChannelReader as CoreChannelReader } from '../../src/channels/reader.js';
import { ChannelWriter as CoreChannelWriter } from '../../src/channels/writer.js';
import type { StreamChannelRef } from '../../src/channels/ref.js';
import { createClientFactory } from '../../src/public.js';
import { createBunPlatform } from './platform.js';

export * from '../../src/public.js';
export { createBunPlatform } from './platform.js';

/** Reads a channel end: `new ChannelReader(engineWsBase, ref)`. */
export class ChannelReader extends CoreChannelReader {
  constructor(engineWsBase: string, ref: StreamChannelRef, options: Partial<ChannelOptions> = {}) {
    super(engineWsBase, ref, { ...options, platform: options.platform ?? createBunPlatform() });
  }
}

/** Writes a channel end: `new ChannelWriter(engineWsBase, ref)`. */
export class ChannelWriter extends CoreChannelWriter {
  constructor(engineWsBase: string, ref: StreamChannelRef, options: Partial<ChannelOptions> = {}) {
    super(engineWsBase, ref, { ...options, platform: options.platform ?? createBunPlatform() });
  }
}

/**
 * Connects a worker to an iii engine and returns its handle at once; the connection is made in
 * the background (`await worker.ready()` to wait for it).
 * @param address engine URL. @default env `III_URL`, else `ws://127.0.0.1:49134`
 */
export const registerWorker = createClientFactory(() => createBunPlatform(), { ChannelReader, ChannelWriter });
