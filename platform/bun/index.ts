/**
 * The Bun entry: Bun's global WebSocket (upgrade headers and receive pause supported), plus the
 * whole public surface.
 */
import { createClientFactory } from '../../src/public.js';
import { readerFor, writerFor } from '../entry.js';
import { createBunPlatform } from './platform.js';

export * from '../../src/public.js';
export { createBunPlatform };

// This entry's own channel classes, also passed to registerWorker below: a `new ChannelReader()`
// opens its socket with this runtime's platform, and every end the client makes is an instance
// of the very classes a user imports from here (platform/entry.ts).
/** Reads a channel end: `new ChannelReader(engineWsBase, ref)`. */
export class ChannelReader extends readerFor(createBunPlatform) {}
/** Writes a channel end: `new ChannelWriter(engineWsBase, ref)`. */
export class ChannelWriter extends writerFor(createBunPlatform) {}

/**
 * Connects a worker to an iii engine and returns its handle at once; the connection is made in
 * the background (`await worker.ready()` to wait for it).
 * @param address engine URL, or a function giving it before each attempt (a fresh token each time). @default env `III_URL`, else `ws://127.0.0.1:49134`
 */
export const registerWorker = createClientFactory(createBunPlatform, { ChannelReader, ChannelWriter });
