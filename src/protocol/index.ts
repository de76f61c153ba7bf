export { MessageType } from './message-type.js';
export * from './frames.js';
export { decodeFrame, encodeFrame, type DecodeResult } from './decode.js';
