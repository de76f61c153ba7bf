/**
 * Data channels (protocol.md §4) as WHATWG streams. Runtime-neutral: sockets come from the
 * injected `Platform`; only web-standard globals are used.
 */
export { ChannelReader } from './reader.js';
export { ChannelWriter } from './writer.js';
export { channelUrl } from './url.js';
export { containsChannelRef, materializeChannelRefs } from './materialize.js';
export { ABORT_FRAME_TYPE } from './abort.js';
export { ChannelAbortedError } from '../errors.js';
export { MAX_FRAME_BYTES } from './frames.js';
export {
  DEFAULT_CHANNEL_OPEN_TIMEOUT_MS,
  DEFAULT_READER_HIGH_WATER_MARK,
  DEFAULT_WRITER_HIGH_WATER_MARK,
  DEFAULT_UNMETERED_BYTES_PER_SECOND,
  type ChannelOptions,
} from './options.js';
export { isChannelRef, type StreamChannelRef } from './ref.js';
