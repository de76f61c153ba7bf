/**
 * Errors: every rejection of `trigger()` (and of `ready()`, `createChannel()`, the listings) is an
 * `IIIInvocationError` with a `code`, except an abort, which rejects with the signal's reason.
 * `ErrorCode` lists the codes of this SDK, `EngineErrorCode` the engine's; a handler may send its
 * own. When each happens and what to do: docs/errors.md.
 *
 * {@includeCode ../../../examples/errors/errors.test.ts#what-to-do}
 *
 * @module errors
 */
export {
  IIIInvocationError,
  InvocationError,
  IIIForbiddenError,
  IIITimeoutError,
  RegistrationRejectedError,
  ChannelError,
  ChannelAbortedError,
  type ChannelErrorCode,
  ErrorCode,
  type IIIErrorCode,
  type EngineErrorCode,
  type ErrorBody,
  isErrorBody,
  type IIIInvocationErrorInit,
  type InvocationErrorInit,
} from '../types.js';
