/**
 * Turns an `invocationresult` into a value or an `IIIInvocationError` (§2.3: `error` wins over
 * `result`; an absent or `null` result is `undefined`, §8 item 15).
 */
import { IIIInvocationError } from '../errors.js';
import type { InvocationResultFrame } from '../protocol/index.js';

export type Outcome = { ok: true; value: unknown } | { ok: false; error: IIIInvocationError };

export function decodeResult(frame: InvocationResultFrame, functionId: string): Outcome {
  if (frame.error) {
    const { code, message, stacktrace } = frame.error;
    return {
      ok: false,
      error: IIIInvocationError.fromBody({ code, message, stacktrace: stacktrace ?? undefined }, functionId),
    };
  }
  return { ok: true, value: frame.result === null ? undefined : frame.result };
}
