/**
 * Outbound calls (`trigger()`, §3.3–§3.6): request checks, namespace rules, trace context,
 * encoding, the pending table, the results that come back, and the calls an outcome ends
 * (session/outcomes.ts: a lost socket ends the calls written on it, a fatal error all of them).
 */
import { isAbortSignal, isBlankNamespace } from '../arguments.js';
import { ErrorCode, invocationError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ResolvedOptions } from '../options.js';
import type { Platform } from '../platform.js';
import type { InvocationResultFrame } from '../protocol/index.js';
import type { TriggerRequest } from '../types.js';
import { callText, encodeCall, type CallBody } from './encode.js';
import { PendingCalls, timeoutError, type CallState } from './pending.js';

const ENGINE_PREFIX = 'engine::';

/**
 * The engine answers that prove no handler ran, so the call may be sent again (docs/reliability.md):
 * - `function_not_found`: the engine resolves the id before it routes anything (§3.3), and an
 *   SDK worker answers it without running anything (§3.3, "Worker side");
 * - `channel_send_failed`: the invoke could not even be queued to the target's dying connection
 *   (§3.4, §8 item 22), so the target never received it.
 * Every other answer settles the call: `invocation_stopped` (§3.13) and a lost socket may come
 * after the handler ran; `FORBIDDEN`, `INVALID_NAMESPACE`, `function_not_invokable` will not change.
 * Behind a listener middleware (§3.15) the answer is the middleware's own.
 */
const UNDELIVERED = new Set(['function_not_found', 'channel_send_failed']);

/** Delay before resend number `n` (0-based): 50 ms doubling to 1 s, ±20 % so a crowd spreads out. */
const resendDelay = (n: number, random: () => number) => Math.min(1000, 50 * 2 ** n) * (0.8 + 0.4 * random());

/**
 * What the session's outbox asks of a call that waits for a socket: whether it still wants to be
 * sent (it did not time out, was not aborted), and that it was sent.
 */
export interface QueuedCall {
  isLive?(): boolean;
  onSent?(): void;
}

/** The session as calls see it (session/connection.ts, send-policy.ts). */
export interface CallLink {
  /** Sends the call now (then `call.onSent()`) or queues it, as the session's send policy says. */
  submit(kind: 'call', text: string, call?: QueuedCall): unknown;
  /** The error a new call gets at once when the client was shut down or has failed. */
  stopped(functionId: string): Error | undefined;
  /** `ENGINE_UNREACHABLE` for a call that waited `waited` without a connection being accepted. */
  unreachable(waited: string, functionId: string): Error;
}

export interface CallsContext {
  readonly platform: Platform;
  readonly options: Pick<ResolvedOptions, 'namespace' | 'invocationTimeoutMs' | 'propagator' | 'maxMessageBytes' | 'retryUndelivered'>;
  readonly link: CallLink;
  /** SDK diagnostics: console only, never sent to the engine. */
  readonly diag: Logger;
}

export class Calls {
  readonly #ctx: CallsContext;
  readonly #pending: PendingCalls;

  constructor(ctx: CallsContext) {
    this.#ctx = ctx;
    this.#pending = new PendingCalls(ctx.platform, (call) => this.#timedOut(call));
  }

  /**
   * Ends pending calls with the error `makeError` gives for each: `all` of them, those `sent` on
   * a socket that is gone (their result can never come back, §3.13), or `none`.
   */
  end(which: 'all' | 'sent' | 'none', makeError: (functionId: string) => Error): void {
    if (which === 'all') this.#pending.rejectAll(makeError);
    else if (which === 'sent') this.#pending.rejectSent(makeError);
  }

  /** Never throws: every failure is a rejected promise (docs/errors.md). */
  trigger(request: TriggerRequest): Promise<unknown> {
    try {
      return this.#trigger(request);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * An `invocationresult` frame: settles its pending call, if any still waits, unless it says the
   * call was not delivered and the call may be retried: then it is sent again later (UNDELIVERED).
   */
  onResult(frame: InvocationResultFrame): void {
    const { error, invocation_id: id } = frame;
    const { platform, link } = this.#ctx;
    const pending = this.#pending;
    if (error && UNDELIVERED.has(error.code)) {
      const delay = (n: number) => resendDelay(n, platform.random ?? Math.random);
      const resend = (body: string, callId: string) => link.submit('call', callText(body, callId), pending.get(callId));
      if (pending.resendLater(id, `${error.code}: ${error.message}`, delay, resend)) return;
    }
    if (!pending.resolveFrame(frame) && error) this.#onUnmatchedError(frame.function_id, error);
  }

  /** How a call whose deadline passed is rejected: it depends on how far it got. */
  #timedOut(call: CallState): Error {
    const { functionId, timeoutMs } = call;
    // The engine's last answer said "not delivered": that stands until another answer comes, so
    // a re-send still unanswered at the deadline does not make it a timeout (docs/reliability.md).
    if (call.undelivered !== undefined) {
      const unanswered = call.sent ? '; the last re-send was still unanswered' : '';
      return invocationError(
        ErrorCode.FunctionNotFound,
        `${functionId} never became available within ${timeoutMs} ms (last answer: ${call.undelivered}${unanswered}). Check its id and namespace, or start its worker`,
        functionId,
      );
    }
    if (call.sent) return timeoutError(call);
    return this.#ctx.link.unreachable(`${functionId} waited ${timeoutMs} ms to be sent`, functionId);
  }

  #trigger(request: TriggerRequest): Promise<unknown> {
    const { platform, options, link } = this.#ctx;
    const pending = this.#pending;
    if (request === null || typeof request !== 'object') return invalid(request, 'trigger: expected a request object');
    const functionId = request.function_id;
    if (typeof functionId !== 'string' || functionId.trim() === '') return invalid(request, 'trigger: function_id must be a non-empty string');
    const stopped = link.stopped(functionId);
    if (stopped) return Promise.reject(stopped);
    const { signal } = request;
    if (signal !== undefined && !isAbortSignal(signal)) return invalid(request, 'trigger: signal must be an AbortSignal');
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (request.traceparent !== undefined || request.baggage !== undefined) {
      const traceWrong = notString(request, 'traceparent') ?? notString(request, 'baggage');
      if (traceWrong) return invalid(request, traceWrong);
    }
    let namespace: string | undefined;
    if (request.namespace !== undefined) {
      if (isBlankNamespace(request.namespace)) {
        return invalid(request, '`namespace` is empty: give it a name, or omit it to use the default', ErrorCode.InvalidNamespace);
      }
      namespace = request.namespace;
    } else {
      // §3.8: engine builtins live in `default`; everything else in the worker's namespace.
      namespace = functionId.startsWith(ENGINE_PREFIX) ? 'default' : options.namespace;
    }
    const action = request.action;
    if (action !== undefined && action !== null) {
      if (action.type === 'enqueue') {
        if (typeof action.queue !== 'string') return invalid(request, 'trigger: TriggerAction.Enqueue needs a queue name');
      } else if (action.type !== 'void') {
        return invalid(request, `trigger: unknown action type ${JSON.stringify((action as { type?: unknown }).type)}`);
      }
    }
    const timeoutMs = request.timeoutMs ?? options.invocationTimeoutMs;
    if (typeof timeoutMs !== 'number' || !(timeoutMs > 0)) return invalid(request, 'trigger: timeoutMs must be a positive number');
    const isVoid = action?.type === 'void';
    const trace = this.#traceContext(request);
    // `function_id` then `data` first (encode.ts); undefined fields are dropped by JSON.stringify,
    // so only what is set reaches the wire.
    const frame: CallBody = {
      function_id: functionId,
      // Always present: the engine drops a frame without `data` (§7 item 16).
      data: request.payload === undefined ? null : request.payload,
      traceparent: trace?.traceparent || undefined,
      baggage: trace?.baggage || undefined,
      action: action ? (isVoid ? { type: 'void' } : { type: 'enqueue', queue: action.queue }) : undefined,
      metadata: request.metadata,
      namespace,
    };
    const body = encodeCall(frame, options.maxMessageBytes, !isVoid);
    if (typeof body !== 'string') return Promise.reject(body);

    if (isVoid) {
      const deadline = platform.now() + timeoutMs;
      link.submit('call', callText(body, undefined), { isLive: () => platform.now() < deadline });
      return Promise.resolve(undefined);
    }
    const retry = request.retryUndelivered ?? options.retryUndelivered;
    if (typeof retry !== 'boolean') return invalid(request, 'trigger: retryUndelivered must be a boolean');
    const id = platform.randomUUID();
    // The body is kept only where a resend may need it: a void call is never answered (§3.6).
    const promise = pending.add({ id, functionId, timeoutMs, signal, body: retry ? body : undefined });
    const call = pending.get(id);
    if (call) link.submit('call', callText(body, id), call);
    return promise;
  }

  /** The request's own trace context wins; else the propagator's, if it yields one. */
  #traceContext(request: TriggerRequest): { traceparent?: string; baggage?: string } | undefined {
    if (request.traceparent !== undefined || request.baggage !== undefined) {
      return { traceparent: request.traceparent, baggage: request.baggage };
    }
    const { propagator } = this.#ctx.options;
    const inject = propagator?.inject;
    if (!inject) return undefined;
    try {
      return inject.call(propagator) ?? undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * An error result nobody waits for: a late answer after a timeout, or the engine refusing a
   * void call (RBAC answers even those, §3.3 step 2). (The announce's answer goes to the handshake.)
   */
  #onUnmatchedError(functionId: string, body: { code: string; message: string }): void {
    this.#ctx.diag.debug(`unmatched error result for ${functionId}: ${body.code}: ${body.message}`);
  }
}

function invalid(request: TriggerRequest | null | undefined, message: string, code: string = ErrorCode.InvalidRequest): Promise<never> {
  return Promise.reject(invocationError(code, message, request?.function_id));
}

/** A trace field that is set but not a string: what is wrong with it. */
function notString(request: TriggerRequest, field: 'traceparent' | 'baggage'): string | undefined {
  const value: unknown = request[field];
  return value !== undefined && value !== null && typeof value !== 'string' ? `trigger: ${field} must be a string, got ${typeof value}` : undefined;
}
