/**
 * The Cloudflare Workers (workerd) entry: a fetch upgrade, plus the whole public surface. Create
 * clients inside a request or event handler: workerd forbids I/O at module scope and ties every
 * socket to the request that opened it.
 */
import { createClientFactory } from '../../src/public.js';
import { readerFor, writerFor } from '../entry.js';
import { createWorkersPlatform, type WorkersPlatformOptions } from './platform.js';

export * from '../../src/public.js';
export { createWorkersPlatform, type WorkersPlatformOptions };

// This entry's own channel classes, also passed to registerWorker below: a `new ChannelReader()`
// opens its socket with this runtime's platform, and every end the client makes is an instance
// of the very classes a user imports from here (platform/entry.ts).
/** Reads a channel end: `new ChannelReader(engineWsBase, ref)`. */
export class ChannelReader extends readerFor(createWorkersPlatform) {}
/** Writes a channel end: `new ChannelWriter(engineWsBase, ref)`. */
export class ChannelWriter extends writerFor(createWorkersPlatform) {}

/**
 * Connects a worker to an iii engine and returns its handle at once; the connection is made in
 * the background (`await worker.ready()` to wait for it).
 * @param address engine URL, e.g. `env.III_URL`, or a function giving it before each attempt (a fresh token each time). @default `ws://127.0.0.1:49134` (workerd has no process env;
 *   use `createClientFactory(() => createWorkersPlatform({ env }))` to read `III_URL` from bindings)
 */
export const registerWorker = createClientFactory(createWorkersPlatform, { ChannelReader, ChannelWriter });
