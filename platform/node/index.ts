/**
 * The Node entry: `ws` (through isomorphic-ws), with upgrade headers, write completions and
 * receive pause, plus the whole public surface.
 */
import { createClientFactory, III as CoreIII } from '../../src/public.js';
import { createNodePlatform } from './platform.js';
import { ChannelReader, ChannelWriter } from './streams.js';

export * from '../../src/public.js';
export { createNodePlatform };

// This entry's own channel classes, also passed to registerWorker below: a `new ChannelReader()`
// opens its socket with this runtime's platform, every end the client makes is an instance of
// the very classes a user imports from here (platform/entry.ts), and Node's have `.stream`.
export { ChannelReader, ChannelWriter };

/** The client class; as a type, a client of this entry, whose `createChannel()` ends have `.stream`. */
export const III = CoreIII;
export type III<TReader = ChannelReader, TWriter = ChannelWriter> = CoreIII<TReader, TWriter>;

/**
 * Connects a worker to an iii engine and returns its handle at once; the connection is made in
 * the background (`await worker.ready()` to wait for it).
 * @param address engine URL, or a function giving it before each attempt (a fresh token each time). @default env `III_URL`, else `ws://127.0.0.1:49134`
 */
export const registerWorker = createClientFactory(createNodePlatform, { ChannelReader, ChannelWriter });
