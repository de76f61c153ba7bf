/** Binary frame helpers of the writer (loaded with its machinery, writer-core.ts). */

/**
 * Largest binary frame a writer sends: 64 KiB, as the official SDKs do (protocol.md §4.7). Far
 * below the engine's 16 MiB frame limit (§2.1), and small enough that one frame never holds a
 * large share of a reader's queue.
 */
export const MAX_FRAME_BYTES = 64 * 1024;

/** Views (no copies) of `chunk` in pieces of at most `max` bytes. An empty chunk gives none. */
export function splitFrames(chunk: Uint8Array, max: number = MAX_FRAME_BYTES): Uint8Array[] {
  if (chunk.byteLength <= max) return chunk.byteLength === 0 ? [] : [chunk];
  const out: Uint8Array[] = [];
  for (let at = 0; at < chunk.byteLength; at += max) {
    out.push(chunk.subarray(at, Math.min(at + max, chunk.byteLength)));
  }
  return out;
}

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
