/**
 * The public contract of the reliability work (issue 10) as types and
 * values the fault tests can use before the SDK implements it: the tests must compile against
 * today's SDK (where these fail at run time, as they should) and against the fixed one (where the
 * SDK's own types cover them). Nothing here reaches into `src/`.
 */
import type { III, InitOptions, TriggerRequest } from '../../platform/node/index.js';

/** The new `ErrorCode` values. */
export const CODE = {
  PayloadTooLarge: 'PAYLOAD_TOO_LARGE',
  EngineUnreachable: 'ENGINE_UNREACHABLE',
  ChannelTruncated: 'CHANNEL_TRUNCATED',
  ChannelAborted: 'CHANNEL_ABORTED',
  ChannelClosed: 'CHANNEL_CLOSED',
  CrossRequest: 'CROSS_REQUEST',
  InvalidRequest: 'INVALID_REQUEST',
  AuthError: 'AUTH_ERROR',
  FunctionNotFound: 'function_not_found',
  InvocationFailed: 'invocation_failed',
  ConnectionLost: 'CONNECTION_LOST',
} as const;

export const MiB = 1024 * 1024;
/** `DEFAULT_MAX_MESSAGE_BYTES`: the engine's per-frame limit (protocol.md §2.1). */
export const EXPECTED_MAX_MESSAGE_BYTES = 16 * MiB;

/** `InitOptions` with the options the contract adds. */
export type FaultInitOptions = InitOptions & {
  maxMessageBytes?: number;
  retryUndelivered?: boolean;
  sendStackTraces?: boolean;
};

export type FaultTriggerRequest<T = unknown> = TriggerRequest<T> & { retryUndelivered?: boolean };

export interface ReadyOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** `iii.ready({ timeoutMs, signal })`. Today's `ready()` ignores its argument. */
export function readyWithin(iii: III, options: ReadyOptions): Promise<void> {
  return (iii.ready as (o?: ReadyOptions) => Promise<void>).call(iii, options);
}

/** `iii.trigger(request)` with the contract's per-call fields. */
export function triggerWith<T = unknown>(iii: III, request: FaultTriggerRequest): Promise<T> {
  return iii.trigger(request as TriggerRequest) as Promise<T>;
}

/** The code an error carries, if any (`IIIInvocationError`, `ChannelError` after the fix). */
export function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** `error.message`, then each `cause`'s, joined: where an underlying reason must be named. */
export function messageChain(error: unknown, depth = 6): string {
  const parts: string[] = [];
  let e: unknown = error;
  for (let i = 0; i < depth && e !== undefined && e !== null; i++) {
    if (e instanceof Error) {
      const code = (e as { code?: unknown }).code;
      parts.push(`${e.name}${code !== undefined ? ` [${String(code)}]` : ''}: ${e.message}`);
      e = (e as { cause?: unknown }).cause;
    } else {
      parts.push(String(e));
      break;
    }
  }
  return parts.join(' <- ');
}
