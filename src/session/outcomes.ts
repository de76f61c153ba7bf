/**
 * Every engine signal and close code that ends or touches a connection, and what it does
 * (which are fatal, which are retried, which touch one handle): one table, read by the code that reacts (connection.ts for closes and
 * timeouts, the client's frame routes for engine frames).
 *
 * - `effect`: `fatal` (the client fails for good: state `failed`, no reconnect), `retry` (the
 *   socket is replaced, with backoff), `handle` (only the named handle is touched: a function's
 *   rejection, a binding's error, one call, `ready()`), `stop` (shutdown).
 * - `calls`: which pending calls end with it: `all`; `sent` (written on the lost socket, whose
 *   answer can no longer come, §3.13); `none` (queued calls wait for the next connection, their
 *   timeout running, §3.5).
 */
import { ErrorCode, invocationError, type IIIInvocationError } from '../errors.js';

export interface Outcome {
  readonly effect: 'fatal' | 'retry' | 'handle' | 'stop';
  readonly calls: 'all' | 'sent' | 'none';
  /** Where protocol.md says so. */
  readonly section: string;
}

const row = (effect: Outcome['effect'], calls: Outcome['calls'], section: string): Outcome => ({ effect, calls, section });

export const OUTCOMES = {
  // ---- engine frames
  /** `registrationrejected` FUNCTION_NAMESPACE_CONFLICT: that function only; the worker carries on. */
  functionConflict: row('handle', 'none', '§3.12'),
  /** `registrationrejected` WORKER_NAMESPACE_CONFLICT (then a Close without status, 1005). */
  workerConflict: row('fatal', 'all', '§3.12, §8 item 7'),
  /** `registrationrejected` with a code this SDK does not know: fatal, as the official SDKs do. */
  unknownRejection: row('fatal', 'all', '§3.12'),
  /** The announce answered with an error (RBAC namespace scope): `ready()` rejects, the worker stays. */
  announceRefused: row('handle', 'none', '§1.2, §1.3'),
  /** `triggerregistrationresult` with an error: that binding only. */
  triggerRefused: row('handle', 'none', '§3.7'),
  /**
   * `{"type":"error"}` AUTH_ERROR with `onAuthError: 'retry'`: the engine also answers it while
   * its auth function is briefly unreachable (an engine restart, §1.3), so the socket is replaced
   * and queued calls keep waiting, up to their own timeout, for an attempt that is accepted
   * (issue 10 item 10). The refusal comes before `workerregistered`, so no call was sent on it.
   */
  authRetry: row('retry', 'sent', '§1.3'),
  /** AUTH_ERROR with `onAuthError: 'stop'`. */
  authStop: row('fatal', 'all', '§1.3'),
  /** An error result for one call: `invocation_stopped` (its target left), `function_not_found`, … */
  callError: row('handle', 'none', '§3.3, §3.4, §3.13'),
  // ---- the socket
  /** The socket closed, whatever the code (see CLOSE_CODES). */
  closed: row('retry', 'sent', '§3.13'),
  /** No `workerregistered` within `handshakeTimeoutMs` of the dial: abandoned with 4000. */
  handshakeTimeout: row('retry', 'sent', '§3.1'),
  /** A ping left unanswered past the heartbeat: abandoned with 4001. */
  heartbeatTimeout: row('retry', 'sent', '§3.10'),
  /** The transport could not even be created (no WebSocket, a malformed URL): bounded by maxRetries. */
  dialFailed: row('retry', 'none', '§3.10'),
  /** `reconnect.maxRetries` reached. */
  retriesExhausted: row('fatal', 'all', '§3.10'),
  // ---- the user
  /** `shutdown()`. */
  shutdown: row('stop', 'all', ''),
} as const;

/** Close codes this SDK uses when it abandons a socket. */
export const CLOSE_HANDSHAKE_TIMEOUT = 4000;
export const CLOSE_HEARTBEAT_TIMEOUT = 4001;

/** What the close codes a worker socket ends with mean; every one of them is `OUTCOMES.closed`. */
export const CLOSE_CODES: Readonly<Record<number, string>> = {
  1000: 'normal closure',
  1005: 'no status code: the engine closes this way after refusing the worker, §8 item 7',
  1006: 'no Close frame: the engine stopped, the network dropped, or a reattach evicted this socket, §8 item 31',
  [CLOSE_HANDSHAKE_TIMEOUT]: 'handshake timeout',
  [CLOSE_HEARTBEAT_TIMEOUT]: 'heartbeat timeout',
};

/** `registrationrejected` (§3.12): only a refused function id leaves the worker running. */
export function rejectionOutcome(code: string): Outcome {
  if (code === 'FUNCTION_NAMESPACE_CONFLICT') return OUTCOMES.functionConflict;
  return code === 'WORKER_NAMESPACE_CONFLICT' ? OUTCOMES.workerConflict : OUTCOMES.unknownRejection;
}

/** The rejection of everything asked of a client that was shut down (`OUTCOMES.shutdown`). */
export function shutdownError(functionId?: string): IIIInvocationError {
  return invocationError(ErrorCode.Shutdown, 'the client was shut down', functionId);
}

/** `OUTCOMES.retriesExhausted`: the client's fatal error. */
export function gaveUpError(retries: number, last: Error): IIIInvocationError {
  return invocationError(ErrorCode.ConnectionFailed, `gave up reconnecting after ${retries} retries: ${last.message}`, undefined, last);
}

/**
 * `ENGINE_UNREACHABLE`: `waited` (e.g. "ready() waited 2000 ms") ran out before the engine at `url`
 * (shown without its query) accepted this worker; `cause` is the last attempt's failure, if any.
 */
export function unreachableError(waited: string, url: string, cause: Error | undefined, functionId?: string): IIIInvocationError {
  return invocationError(
    ErrorCode.EngineUnreachable,
    `the engine at ${url} has not accepted this worker: ${cause?.message ?? 'still connecting'} (${waited}). Check the address and that the engine runs`,
    functionId,
    cause,
  );
}
