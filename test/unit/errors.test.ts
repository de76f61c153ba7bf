/**
 * Errors read as `iii-sdk`'s do: `"<code>: <message>"`, with documented `name`s, and
 * `isErrorBody` tells an engine error body from anything else (issue 13).
 */
import { describe, expect, it } from 'vitest';
import {
  ChannelError,
  ErrorCode,
  IIIForbiddenError,
  IIIInvocationError,
  IIITimeoutError,
  InvocationError,
  RegistrationRejectedError,
  isErrorBody,
} from '../../src/errors.js';

describe('error messages and names', () => {
  it('the message is "<code>: <message>" and the fields stay apart', () => {
    const e = new IIIInvocationError({ code: 'FORBIDDEN', message: "function 'x' not allowed", function_id: 'x', stacktrace: 'st' });
    expect(e.message).toBe("FORBIDDEN: function 'x' not allowed");
    expect(String(e)).toBe("IIIInvocationError: FORBIDDEN: function 'x' not allowed");
    expect(e).toMatchObject({ code: 'FORBIDDEN', function_id: 'x', stacktrace: 'st' });
  });

  it('every class has its documented name; InvocationError is the same class', () => {
    const init = { code: 'c', message: 'm' };
    expect(new IIIInvocationError(init).name).toBe('IIIInvocationError');
    expect(new IIIForbiddenError(init).name).toBe('IIIForbiddenError');
    expect(new IIITimeoutError(init).name).toBe('IIITimeoutError');
    expect(new RegistrationRejectedError({ ...init, namespace: 'n', owner_worker_id: 'o' }).name).toBe('RegistrationRejectedError');
    expect(new ChannelError('m').name).toBe('ChannelError');
    expect(InvocationError).toBe(IIIInvocationError);
    expect(new InvocationError(init)).toBeInstanceOf(IIIInvocationError);
  });

  it('fromBody picks the subclass by code and formats the message the same way', () => {
    const forbidden = IIIInvocationError.fromBody({ code: ErrorCode.Forbidden, message: 'no' }, 'f');
    expect(forbidden).toBeInstanceOf(IIIForbiddenError);
    expect(forbidden.message).toBe('FORBIDDEN: no');
    const other = IIIInvocationError.fromBody({ code: 'enqueue_error', message: 'no queue' });
    expect(other.constructor).toBe(IIIInvocationError);
    expect(other.message).toBe('enqueue_error: no queue');
  });
});

describe('isErrorBody', () => {
  it('accepts {code, message, stacktrace?} with string fields', () => {
    expect(isErrorBody({ code: 'FORBIDDEN', message: 'nope' })).toBe(true);
    expect(isErrorBody({ code: 'X', message: 'y', stacktrace: 'z' })).toBe(true);
  });

  it('refuses everything else', () => {
    for (const v of [null, undefined, 'text', 42, { code: 'X' }, { message: 'Y' }, { code: 1, message: 'Y' }, { code: 'X', message: 'Y', stacktrace: 3 }, new Error('plain')]) {
      expect(isErrorBody(v), JSON.stringify(v)).toBe(false);
    }
  });
});
