/**
 * Every error the SDK throws or rejects with. `trigger()` never rejects with a plain
 * object (the browser SDK did, protocol.md §3.4): engine `ErrorBody`s become
 * `IIIInvocationError`s, and SDK-side failures carry a code from `ErrorCode`.
 *
 * Messages read `"<code>: <message>"`, as `iii-sdk`'s `InvocationError` does (§3.4), so a logged
 * error says what failed without its fields. `name` is the class's own name, which is what
 * `String(error)` and stack traces print:
 *
 * | class | `name` |
 * |---|---|
 * | `IIIInvocationError` (alias `InvocationError`, the same class) | `'IIIInvocationError'` |
 * | `IIIForbiddenError` | `'IIIForbiddenError'` |
 * | `IIITimeoutError` | `'IIITimeoutError'` |
 * | `RegistrationRejectedError` | `'RegistrationRejectedError'` |
 * | `ChannelError` | `'ChannelError'` |
 *
 * (`iii-sdk` names its class `InvocationError`; here that name is an alias of the seed's
 * `IIIInvocationError`, so `instanceof` works with either, and `name` is the seed's.)
 */

/** Codes produced by this SDK itself (engine codes are listed in protocol.md §3.4). */
export const ErrorCode = {
  /** Client-side timeout; never on the wire (§3.5). */
  Timeout: 'TIMEOUT',
  /** A call already sent on a socket that dropped: its result can no longer arrive. */
  ConnectionLost: 'CONNECTION_LOST',
  /** The client was shut down while the call was pending. */
  Shutdown: 'SHUTDOWN',
  /** The engine refused the connection's credentials (§1.3 `{"type":"error"}` frame). */
  AuthError: 'AUTH_ERROR',
  /** The client stopped for good (fatal rejection, retries exhausted, auth policy `stop`). */
  ConnectionFailed: 'CONNECTION_FAILED',
  /** The request was refused before it was sent (bad input). */
  InvalidRequest: 'INVALID_REQUEST',
  /** A namespace was given but blank (the engine's own code for it, §3.8). */
  InvalidNamespace: 'INVALID_NAMESPACE',
  /** The engine asked this worker to run a function it does not have (§3.3). */
  FunctionNotFound: 'function_not_found',
  /** The engine asked this worker to run an HTTP-invoked function (§3.2). */
  FunctionNotInvokable: 'function_not_invokable',
  /** A provider refused a binding (§3.4). */
  TriggerRegistrationFailed: 'trigger_registration_failed',
  /** A binding arrived for a trigger type this worker does not provide (§3.4). */
  TriggerTypeNotFound: 'trigger_type_not_found',
  /** An inbound payload failed the function's request schema. */
  ValidationFailed: 'VALIDATION_FAILED',
  /** A handler threw (sent to the engine, §3.3). */
  InvocationFailed: 'invocation_failed',
  Forbidden: 'FORBIDDEN',
  /** A rejection value that was not an `ErrorBody`. */
  Unknown: 'UNKNOWN',
  /** An outbound frame (a call's payload, a handler's result) over `maxMessageBytes`; never sent. */
  PayloadTooLarge: 'PAYLOAD_TOO_LARGE',
  /** `ready({ timeoutMs })` expired, or a call timed out unsent, because no connection was accepted. */
  EngineUnreachable: 'ENGINE_UNREACHABLE',
  /** Cloudflare Workers: a client created in one request was used from another. */
  CrossRequest: 'CROSS_REQUEST',
  /** A channel reader's stream ended without its writer's end mark, or its socket dropped (docs/channels.md). */
  ChannelTruncated: 'CHANNEL_TRUNCATED',
  /** A channel's writer aborted it (`ChannelAbortedError`, the in-band abort frame). */
  ChannelAborted: 'CHANNEL_ABORTED',
  /** A channel writer's socket went away (its reader left, the engine stopped), or the writer was closed. */
  ChannelClosed: 'CHANNEL_CLOSED',
  /** Any other channel failure: the socket could not open, the engine refused the channel. */
  ChannelError: 'CHANNEL_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Codes the engine puts in an `ErrorBody` or a `registrationrejected` (protocol.md §3.4). */
export type EngineErrorCode =
  | 'FORBIDDEN'
  | 'function_not_found'
  | 'invocation_failed'
  | 'function_not_invokable'
  | 'invocation_stopped'
  | 'invocation_error'
  | 'channel_send_failed'
  | 'INVALID_NAMESPACE'
  | 'enqueue_error'
  | 'trigger_registration_failed'
  | 'trigger_type_not_found'
  | 'unregister_failed'
  | 'deserialization_error'
  | 'serialization_error'
  | 'NOT_FOUND'
  | 'INVALID_ARGUMENTS'
  | 'AUTH_ERROR'
  | 'http_error'
  | 'http_request_failed'
  | 'http_response_failed'
  | 'invalid_response'
  | 'url_validation_failed'
  | 'missing_env_var'
  | 'secret_not_found'
  | 'token_not_found'
  | 'api_key_not_found'
  | 'timestamp_error'
  | 'WORKER_NAMESPACE_CONFLICT'
  | 'FUNCTION_NAMESPACE_CONFLICT';

/**
 * The type of `error.code`: every code this SDK or the engine is known to produce, for
 * autocompletion and exhaustive `switch`es, plus any other string (`string & {}` keeps the
 * literals from collapsing into `string`): a newer engine, a handler of another SDK or an HTTP
 * function may answer with a code nobody listed.
 */
export type IIIErrorCode = ErrorCode | EngineErrorCode | (string & {});

/** The engine's error body (protocol.md §2.1). */
export interface ErrorBody {
  code: string;
  message: string;
  stacktrace?: string;
}

/**
 * Whether `value` has the shape of an `ErrorBody` (`code` and `message` strings, `stacktrace` a
 * string if present): tells an engine error from any other rejection value.
 */
export function isErrorBody(value: unknown): value is ErrorBody {
  if (value === null || typeof value !== 'object') return false;
  const { code, message, stacktrace } = value as Partial<Record<keyof ErrorBody, unknown>>;
  return typeof code === 'string' && typeof message === 'string' && (stacktrace === undefined || typeof stacktrace === 'string');
}

export interface IIIInvocationErrorInit {
  code: IIIErrorCode;
  /** What happened, without the code: the error's `message` is `"<code>: <message>"`. */
  message: string;
  function_id?: string;
  stacktrace?: string;
  cause?: unknown;
}

/** `iii-sdk`'s name for {@link IIIInvocationErrorInit}. */
export type InvocationErrorInit = IIIInvocationErrorInit;

/**
 * Any failed invocation: an engine error, a handler error, a timeout, a lost connection.
 * `message` is `"<code>: <message>"`; `name` is `'IIIInvocationError'`.
 */
export class IIIInvocationError extends Error {
  override name = 'IIIInvocationError';
  // `declare`d (here and in the classes below): the constructor sets them, and a plain field
  // would be emitted as one more definition, as undefined, before it.
  declare readonly code: IIIErrorCode;
  declare readonly function_id: string | undefined;
  declare readonly stacktrace: string | undefined;

  constructor(init: IIIInvocationErrorInit) {
    super(`${init.code}: ${init.message}`, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code;
    this.function_id = init.function_id;
    this.stacktrace = init.stacktrace;
  }

  /** Picks the subclass that matches the engine's code (the seed's wire-error decoder). */
  static fromBody(body: ErrorBody, functionId?: string): IIIInvocationError {
    const init = { code: body.code, message: body.message, function_id: functionId, stacktrace: body.stacktrace };
    if (body.code === ErrorCode.Forbidden) return new IIIForbiddenError(init);
    if (body.code === ErrorCode.Timeout) return new IIITimeoutError(init);
    return new IIIInvocationError(init);
  }
}

/** The SDK's own {@link IIIInvocationError}s, from their parts. */
export function invocationError(code: IIIErrorCode, message: string, functionId?: string, cause?: unknown): IIIInvocationError {
  return new IIIInvocationError({ code, message, function_id: functionId, cause });
}

/** Name kept from the official TypeScript SDK for easy migration. */
export const InvocationError = IIIInvocationError;
export type InvocationError = IIIInvocationError;

/** RBAC refused the call (`FORBIDDEN`, protocol.md §3.15). */
export class IIIForbiddenError extends IIIInvocationError {
  override name = 'IIIForbiddenError';
}

/** No result within the call's timeout (`TIMEOUT`, protocol.md §3.5). */
export class IIITimeoutError extends IIIInvocationError {
  override name = 'IIITimeoutError';
}

/** The engine refused a registration (`registrationrejected`, protocol.md §3.12). */
export class RegistrationRejectedError extends IIIInvocationError {
  override name = 'RegistrationRejectedError';
  declare readonly namespace: string;
  declare readonly owner_worker_id: string;
  declare readonly worker_name: string | undefined;

  constructor(init: IIIInvocationErrorInit & { namespace: string; owner_worker_id: string; worker_name?: string }) {
    super(init);
    this.namespace = init.namespace;
    this.owner_worker_id = init.owner_worker_id;
    this.worker_name = init.worker_name;
  }
}

/** The codes a {@link ChannelError} carries. */
export type ChannelErrorCode =
  | typeof ErrorCode.ChannelTruncated
  | typeof ErrorCode.ChannelAborted
  | typeof ErrorCode.ChannelClosed
  | typeof ErrorCode.ChannelError;

/**
 * A data channel could not be opened or failed while streaming (protocol.md §4). `code` says
 * which: `CHANNEL_TRUNCATED` (a reader's stream is incomplete), `CHANNEL_ABORTED` (the writer
 * aborted), `CHANNEL_CLOSED` (a writer's socket went away), `CHANNEL_ERROR` (anything else).
 */
export class ChannelError extends Error {
  override name = 'ChannelError';
  declare readonly channel_id: string | undefined;
  declare readonly code: ChannelErrorCode;
  constructor(message: string, channelId?: string, cause?: unknown, code: ChannelErrorCode = ErrorCode.ChannelError) {
    super(message, cause === undefined ? undefined : { cause });
    this.channel_id = channelId;
    this.code = code;
  }
}

/** A channel reader's error when its writer aborted (the in-band abort frame, channels/abort.ts). */
export class ChannelAbortedError extends ChannelError {
  override name = 'ChannelAbortedError';
  /** The writer's reason, as text. */
  declare readonly reason: string;
  constructor(channelId: string, reason: string) {
    super(`Channel ${channelId} was aborted by its writer: ${reason}`, channelId, undefined, ErrorCode.ChannelAborted);
    this.reason = reason;
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
