/**
 * Channels: streams of bytes and text messages between workers, through the engine, as WHATWG
 * streams with backpressure. `iii.createChannel()` gives both ends and their refs; a ref passed in
 * a payload arrives in the handler as a live `ChannelReader` or `ChannelWriter`.
 *
 * A file too big for a payload, written into a channel that the called function reads:
 *
 * {@includeCode ../../../examples/errors/errors.test.ts#channel-upload}
 *
 * @module channels
 */
export { ChannelReader, ChannelWriter } from '../../browser/index.js';
export type { Channel, StreamChannelRef } from '../types.js';
export { ChannelDirection, ChannelItem, createChannel, extractChannelRefs, isChannelRef } from '../types.js';
