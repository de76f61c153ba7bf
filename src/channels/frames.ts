/**
 * Binary frame helpers of the writer (loaded with its machinery, writer-core.ts, which cuts a
 * chunk into frames of at most {@link MAX_FRAME_BYTES}: views, never copies; an empty chunk gives
 * no frame, so the only empty frames a writer sends are its end marks, marks.ts).
 */

/**
 * Largest binary frame a writer sends: 64 KiB, as the official SDKs do (protocol.md §4.7). Far
 * below the engine's 16 MiB frame limit (§2.1), and small enough that one frame never holds a
 * large share of a reader's queue.
 */
export const MAX_FRAME_BYTES = 64 * 1024;

/**
 * Accepts the chunk types a user may reasonably write (any ArrayBufferView or ArrayBuffer) and
 * returns a Uint8Array view of the same memory; anything else is a TypeError, so a string written
 * to the byte stream by mistake fails loudly instead of being sent as a text message.
 */
export function toBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  throw new TypeError(
    `ChannelWriter.writable accepts bytes (Uint8Array, ArrayBufferView or ArrayBuffer), got ${typeof chunk}; use sendMessage() for text.`,
  );
}
