/**
 * The Cloudflare Workers (workerd) entry: `registerWorker` and the channel classes
 * bound to the fetch-upgrade transport, plus the whole public surface. Create clients inside a
 * request or event handler: workerd forbids I/O at module scope and ties every socket to the
 * request that opened it.
 */
// Straight from the class modules, not the channels index: the index also names the lazily
// loaded machinery (channel-streams.ts), which must stay out of the entry chunk.
import type { ChannelOptions } from '../../src/channels/options.js';
import { ChannelReader as CoreChannelReader } from '../../src/channels/reader.js';
import { ChannelWriter as CoreChannelWriter } from '../../src/channels/writer.js';
import type { StreamChannelRef } from '../../src/channels/ref.js';
import { createClientFactory } from '../../src/public.js';
import { createWorkersPlatform } from './platform.js';

export * from '../../src/public.js';
export { createWorkersPlatform } from './platform.js';

/** Reads a channel end: `new ChannelReader(engineWsBase, ref)`. */
export class ChannelReader extends CoreChannelReader {
  constructor(engineWsBase: string, ref: StreamChannelRef, options: Partial<ChannelOptions> = {}) {
    super(engineWsBase, ref, { ...options, platform: options.platform ?? createWorkersPlatform() });
  }
}

/** Writes a channel end: `new ChannelWriter(engineWsBase, ref)`. */
export class ChannelWriter extends CoreChannelWriter {
  constructor(engineWsBase: string, ref: StreamChannelRef, options: Partial<ChannelOptions> = {}) {
    super(engineWsBase, ref, { ...options, platform: options.platform ?? createWorkersPlatform() });
  }
}

/**
 * Connects a worker to an iii engine and returns its handle at once; the connection is made in
 * the background (`await worker.ready()` to wait for it).
 * @param address engine URL, e.g. `env.III_URL`. @default `ws://127.0.0.1:49134` (workerd has no process env;
 *   use `createClientFactory(() => createWorkersPlatform({ env }))` to read `III_URL` from bindings)
 */
export const registerWorker = createClientFactory(() => createWorkersPlatform(), { ChannelReader, ChannelWriter });
