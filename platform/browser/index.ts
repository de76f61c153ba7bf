/**
 * The browser entry: the page's WebSocket, without upgrade headers (put a token in the URL
 * query), plus the whole public surface.
 */
import { createClientFactory } from '../../src/public.js';
import { readerFor, writerFor } from '../entry.js';
import { createBrowserPlatform } from './platform.js';

export * from '../../src/public.js';
export { createBrowserPlatform };

// This entry's own channel classes, also passed to registerWorker below: a `new ChannelReader()`
// opens its socket with this runtime's platform, and every end the client makes is an instance
// of the very classes a user imports from here (platform/entry.ts).
/** Reads a channel end: `new ChannelReader(engineWsBase, ref)`. */
export class ChannelReader extends readerFor(createBrowserPlatform) {}
/** Writes a channel end: `new ChannelWriter(engineWsBase, ref)`. */
export class ChannelWriter extends writerFor(createBrowserPlatform) {}

/**
 * Connects a worker to an iii engine and returns its handle at once; the connection is made in
 * the background (`await worker.ready()` to wait for it).
 * @param address engine URL, e.g. `wss://engine.example/?token=…`, or a function giving it before each attempt (a fresh token each time). @default `ws://127.0.0.1:49134`
 */
export const registerWorker = createClientFactory(createBrowserPlatform, { ChannelReader, ChannelWriter });
