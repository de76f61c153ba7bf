/**
 * The lazily loaded half of the channels: the public `ChannelReader` / `ChannelWriter` import
 * this module on first use. One module for both ends, so the build emits one chunk that holds the
 * stream machinery, the socket opening and the abort convention (PRACTICES.md item 13: apps that
 * never stream do not pay for them in the entry they download).
 */
export { ReaderCore } from './reader-core.js';
export { WriterCore } from './writer-core.js';
