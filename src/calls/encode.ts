/**
 * The frames of a call in both directions, encoded (§2.3): an outbound `invokefunction`, and the
 * `invocationresult` that answers an inbound one. Every size or shape check of what a call sends
 * belongs here, where the text is made.
 */
import { ErrorCode, IIIInvocationError, errorMessage } from '../errors.js';
import { encodeFrame, type OutboundInvocationResultFrame, type OutboundInvokeFrame } from '../protocol/index.js';
import { unsendable, type Size } from './sendable.js';

/** A handler's outcome, as the engine carries it back to the caller (§3.3). */
export type Outcome = { result: unknown } | { error: { code: string; message: string; stacktrace?: string } };

/**
 * The frame's text, or the error to reject the call with when it cannot be sent: a value JSON
 * cannot carry (sendable.ts) or more than `maxBytes` (`PAYLOAD_TOO_LARGE`, never on the wire;
 * refused before encoding when the walk's lower bound already says so).
 */
export function encodeCall(frame: OutboundInvokeFrame, maxBytes: number): string | IIIInvocationError {
  const refuse = (code: string, message: string, cause?: unknown) =>
    new IIIInvocationError({ code, message: `trigger ${frame.function_id}: ${message}`, function_id: frame.function_id, cause });
  const size: Size = { bytes: 0 };
  const where = unsendable(frame.data, 'payload', size) ?? unsendable(frame.metadata, 'metadata', size);
  if (where) return refuse(ErrorCode.InvalidRequest, `${where} (JSON has no such value)`);
  if (size.bytes > maxBytes) return refuse(ErrorCode.PayloadTooLarge, `the call is ${tooLarge(`at least ${size.bytes.toLocaleString('en-US')}`, maxBytes)}`);
  let text: string;
  try {
    text = encodeFrame(frame);
  } catch (err) {
    // Past what the walk could follow (nesting deeper than the stack), or a toJSON that threw.
    return refuse(ErrorCode.InvalidRequest, `the payload or metadata is not JSON-serializable: ${errorMessage(err)}`, err);
  }
  const over = overLimit(text, maxBytes);
  if (over !== undefined) return refuse(ErrorCode.PayloadTooLarge, `the call is ${tooLarge(over, maxBytes)}`);
  return text;
}

/**
 * The answer to invocation `id`. A result that cannot be encoded, or is over `maxBytes`, becomes
 * an error the caller can read instead of a call that never settles or a socket the engine drops
 * (§2.1); `refused` then says why (`CODE: message`), for the worker's log.
 */
export function encodeReply(id: string, functionId: string, outcome: Outcome, maxBytes: number): { text: string; refused?: string } {
  // A `result` of undefined is dropped by JSON.stringify: the field is omitted, not null.
  const frame = (o: Outcome): OutboundInvocationResultFrame => ({ type: 'invocationresult', invocation_id: id, function_id: functionId, ...o });
  const fail = (code: string, message: string) => ({ text: encodeFrame(frame({ error: { code, message } })), refused: `${code}: ${message}` });
  let text: string;
  try {
    text = encodeFrame(frame(outcome));
  } catch (err) {
    return fail(ErrorCode.InvocationFailed, `result of ${functionId} is not JSON-serializable: ${errorMessage(err)}`);
  }
  const size = overLimit(text, maxBytes);
  return size === undefined ? { text } : fail(ErrorCode.PayloadTooLarge, `result of ${functionId} is ${tooLarge(size, maxBytes)}`);
}

/** Both sizes and the way out; the engine would drop the frame and the connection with it (§2.1). */
function tooLarge(size: string, maxBytes: number): string {
  return `${size} bytes, over maxMessageBytes (${maxBytes.toLocaleString('en-US')}). Send big data through a channel (createChannel)`;
}

/**
 * The UTF-8 size of `text` as shown when it is over `maxBytes` ("at least N" when counting stopped
 * early), else `undefined`. Counted only when the UTF-16 length leaves a doubt.
 */
function overLimit(text: string, maxBytes: number): string | undefined {
  const n = text.length;
  if (n * 3 <= maxBytes) return undefined;
  if (n > maxBytes) return `at least ${n.toLocaleString('en-US')}`;
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    // A surrogate pair is 4 bytes in UTF-8: 2 for each half.
    bytes += c < 0x80 ? 1 : c < 0x800 || (c >= 0xd800 && c < 0xe000) ? 2 : 3;
  }
  return bytes > maxBytes ? bytes.toLocaleString('en-US') : undefined;
}
