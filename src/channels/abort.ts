/**
 * The in-band abort convention.
 *
 * The engine has no abort signal: an aborted writer looks exactly like a clean finish to the
 * reader (protocol.md §4.3 says errors must be signalled in-band). So a `ChannelWriter` that is
 * aborted (`writable.abort(reason)`, `ChannelWriter.abort(reason)`, or a failed `pipeTo` source)
 * sends ONE reserved text frame, then closes its socket:
 *
 * ```json
 * {"type":"iii:channel:abort","reason":"<text>"}
 * ```
 *
 * A `ChannelReader` that receives this frame does not deliver it as a message: it errors its
 * `readable` (and `readAll()`, `messages()`) with a `ChannelAbortedError` (errors.ts, code
 * `CHANNEL_ABORTED`) carrying the reason, and discards data still queued, because what was sent
 * before an abort is incomplete by definition. The frame is recognised only when it is a JSON object whose `type` is exactly
 * `iii:channel:abort`; applications must not send such a text message themselves.
 *
 * Readers of other SDKs see the frame as an ordinary text message followed by a clean end; writers
 * of other SDKs never send it, so an abort on their side still looks like a clean end here.
 */
export const ABORT_FRAME_TYPE = 'iii:channel:abort';

/** Cheap pre-check so ordinary messages are not JSON-parsed on the hot path. */
const ABORT_MARKER = `"${ABORT_FRAME_TYPE}"`;

/** Text form of any abort reason (an Error's message, a string, else JSON or String()). */
export function describeReason(reason: unknown): string {
  if (reason === undefined) return 'aborted';
  if (reason instanceof Error) return reason.message || reason.name;
  if (typeof reason === 'string') return reason;
  try {
    const json = JSON.stringify(reason);
    if (typeof json === 'string') return json;
  } catch {
    // fall through: cyclic or BigInt
  }
  return String(reason);
}

export function encodeAbortFrame(reason: unknown): string {
  return JSON.stringify({ type: ABORT_FRAME_TYPE, reason: describeReason(reason) });
}

/** The abort reason when `text` is an abort frame, else `undefined`. */
export function decodeAbortFrame(text: string): string | undefined {
  if (!text.includes(ABORT_MARKER)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const frame = parsed as Record<string, unknown>;
  if (frame.type !== ABORT_FRAME_TYPE) return undefined;
  return typeof frame.reason === 'string' ? frame.reason : 'aborted';
}
