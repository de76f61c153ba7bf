/**
 * The frames of a call in both directions, encoded (§2.3): an outbound `invokefunction`, and the
 * `invocationresult` that answers an inbound one. Every size or shape check of what a call sends
 * belongs here, where the text is made.
 */
import { ErrorCode, IIIInvocationError, errorMessage } from '../errors.js';
import { encodeFrame, type OutboundInvocationResultFrame, type OutboundInvokeFrame } from '../protocol/index.js';

/** A handler's outcome, as the engine carries it back to the caller (§3.3). */
export type Outcome = { result: unknown } | { error: { code: string; message: string; stacktrace?: string } };

/** The frame's text, or the error to reject the call with when it cannot be encoded. */
export function encodeCall(frame: OutboundInvokeFrame): string | IIIInvocationError {
  try {
    return encodeFrame(frame);
  } catch (err) {
    return new IIIInvocationError({
      code: ErrorCode.InvalidRequest,
      message: `trigger: the payload or metadata is not JSON-serializable: ${errorMessage(err)}`,
      function_id: frame.function_id,
      cause: err,
    });
  }
}

/**
 * The answer to invocation `id`; a result that cannot be encoded becomes an error the caller can
 * read instead of a call that never settles.
 */
export function encodeReply(id: string, functionId: string, outcome: Outcome): string {
  // A `result` of undefined is dropped by JSON.stringify: the field is omitted, not null.
  const frame = (o: Outcome): OutboundInvocationResultFrame => ({ type: 'invocationresult', invocation_id: id, function_id: functionId, ...o });
  try {
    return encodeFrame(frame(outcome));
  } catch (err) {
    return encodeFrame(frame({ error: { code: ErrorCode.InvocationFailed, message: `result is not JSON-serializable: ${errorMessage(err)}` } }));
  }
}
