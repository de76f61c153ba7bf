/**
 * The frames of a call in both directions, encoded (§2.3): an outbound `invokefunction`, and the
 * `invocationresult` that answers an inbound one. Every size or shape check of what a call sends
 * belongs here, where the text is made.
 */
import { ErrorCode, errorMessage, invocationError, type IIIInvocationError } from '../errors.js';
import { encodeFrame, type OutboundInvocationResultFrame, type OutboundInvokeFrame } from '../protocol/index.js';
import { unsendable, type Size } from './sendable.js';

/** A handler's outcome, as the engine carries it back to the caller (§3.3). */
export type Outcome = { result: unknown } | { error: { code: string; message: string; stacktrace?: string } };

/** An outbound call's frame without `type` and `invocation_id`: what `encodeCall` encodes. */
export type CallBody = Omit<OutboundInvokeFrame, 'type' | 'invocation_id'>;

/** Every call's text starts with its type; the body follows (`callText`). */
const CALL_HEAD = '{"type":"invokefunction",';
/** `,"invocation_id":"<36 characters>"`: what an id adds to the text of a call. */
const ID_CHARS = 54;
/** Where a body's function id starts: the body's first field (`{"function_id":`). */
const FUNCTION_ID_AT = 15;

/**
 * The body of a call's frame: its JSON without `type` and `invocation_id` (`callText` puts them
 * back). The pending table keeps it for a resend, in fewer bytes than the text (pending.ts).
 * Returns instead the error to reject the call with when it cannot be sent: a value JSON cannot
 * carry (sendable.ts), or a text over `maxBytes` (`PAYLOAD_TOO_LARGE`, never on the wire; refused
 * before encoding when the walk's lower bound already says so). `withId`: the text will carry an
 * `invocation_id`, which counts towards the size.
 */
export function encodeCall(frame: CallBody, maxBytes: number, withId: boolean): string | IIIInvocationError {
  const size: Size = { bytes: 0 };
  const where = unsendable(frame.data, 'payload', size) ?? unsendable(frame.metadata, 'metadata', size);
  if (where) return refuseCall(frame, ErrorCode.InvalidRequest, `${where} (JSON has no such value)`);
  if (size.bytes > maxBytes) return refuseCall(frame, ErrorCode.PayloadTooLarge, `the call is ${tooLarge(`at least ${size.bytes.toLocaleString('en-US')}`, maxBytes)}`);
  let body: string;
  try {
    // `function_id` first (`functionIdOf`), then `data`; undefined fields are dropped.
    body = JSON.stringify(frame);
  } catch (err) {
    // Past what the walk could follow (nesting deeper than the stack), or a toJSON that threw.
    return refuseCall(frame, ErrorCode.InvalidRequest, `the payload or metadata is not JSON-serializable: ${errorMessage(err)}`, err);
  }
  const extra = CALL_HEAD.length - 1 + (withId ? ID_CHARS : 0);
  if ((body.length + extra) * 3 > maxBytes) {
    const over = overLimit(callText(body, withId ? '0'.repeat(36) : undefined), maxBytes);
    if (over !== undefined) return refuseCall(frame, ErrorCode.PayloadTooLarge, `the call is ${tooLarge(over, maxBytes)}`);
  }
  return body;
}

function refuseCall(frame: CallBody, code: string, message: string, cause?: unknown): IIIInvocationError {
  return invocationError(code, `trigger ${frame.function_id}: ${message}`, frame.function_id, cause);
}

/** The text of the call whose body `encodeCall` gave; `id` is a UUID (nothing in it needs escaping). */
export function callText(body: string, id: string | undefined): string {
  const fields = body.slice(1, -1);
  return id === undefined ? `${CALL_HEAD}${fields}}` : `${CALL_HEAD}${fields},"invocation_id":"${id}"}`;
}

/**
 * The function id of a call's body. A JSON string cannot hold `,"` (its quotes are escaped), so the
 * first `,"data":` after the id's opening quote ends it.
 */
export function functionIdOf(body: string): string {
  return JSON.parse(body.slice(FUNCTION_ID_AT, body.indexOf(',"data":', FUNCTION_ID_AT))) as string;
}

/**
 * The answer to invocation `id`. A result that cannot be encoded, or is over `maxBytes`, becomes
 * an error the caller can read instead of a call that never settles or a socket the engine drops
 * (§2.1); `refused` then says why (`CODE: message`), for the worker's log.
 */
export function encodeReply(id: string, functionId: string, outcome: Outcome, maxBytes: number): { text: string; refused?: string } {
  let text: string;
  try {
    text = encodeFrame(replyFrame(id, functionId, outcome));
  } catch (err) {
    return refuseReply(id, functionId, ErrorCode.InvocationFailed, `result of ${functionId} is not JSON-serializable: ${errorMessage(err)}`);
  }
  if (text.length * 3 <= maxBytes) return { text };
  const size = overLimit(text, maxBytes);
  return size === undefined ? { text } : refuseReply(id, functionId, ErrorCode.PayloadTooLarge, `result of ${functionId} is ${tooLarge(size, maxBytes)}`);
}

/** A `result` of undefined is dropped by JSON.stringify: the field is omitted, not null. */
function replyFrame(id: string, functionId: string, outcome: Outcome): OutboundInvocationResultFrame {
  return 'error' in outcome
    ? { type: 'invocationresult', invocation_id: id, function_id: functionId, error: outcome.error }
    : { type: 'invocationresult', invocation_id: id, function_id: functionId, result: outcome.result };
}

function refuseReply(id: string, functionId: string, code: string, message: string): { text: string; refused: string } {
  return { text: encodeFrame(replyFrame(id, functionId, { error: { code, message } })), refused: `${code}: ${message}` };
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
