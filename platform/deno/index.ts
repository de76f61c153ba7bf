/**
 * The Deno entry: Deno's global WebSocket (upgrade headers supported), plus the whole public
 * surface.
 */
import { createClientFactory } from '../../src/public.js';
import { readerFor, writerFor } from '../entry.js';
import { createDenoPlatform } from './platform.js';

export * from '../../src/public.js';
export { createDenoPlatform };

// This entry's own channel classes, also passed to registerWorker below: a `new ChannelReader()`
// opens its socket with this runtime's platform, and every end the client makes is an instance
// of the very classes a user imports from here (platform/entry.ts).
/** Reads a channel end: `new ChannelReader(engineWsBase, ref)`. */
export class ChannelReader extends readerFor(createDenoPlatform) {}
/** Writes a channel end: `new ChannelWriter(engineWsBase, ref)`. */
export class ChannelWriter extends writerFor(createDenoPlatform) {}

/**
 * Connects a worker to an iii engine and returns its handle at once; the connection is made in
 * the background (`await worker.ready()` to wait for it).
 * @param address engine URL, or a function giving it before each attempt (a fresh token each time). @default env `III_URL` (with `--allow-env`), else `ws://127.0.0.1:49134`
 */
export const registerWorker = createClientFactory(createDenoPlatform, { ChannelReader, ChannelWriter });
