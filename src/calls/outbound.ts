/**
 * Outbound calls (`trigger()`, §3.3–§3.6): request checks, namespace rules, trace context,
 * encoding, the pending table, the results that come back, and the calls an outcome ends
 * (session/outcomes.ts: a lost socket ends the calls written on it, a fatal error all of them).
 */
import { isBlankNamespace } from '../arguments.js';
import { ErrorCode, IIIInvocationError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ResolvedOptions } from '../options.js';
import type { Platform } from '../platform.js';
import type { InvocationResultFrame, OutboundInvokeFrame } from '../protocol/index.js';
import type { TriggerRequest } from '../types.js';
import { encodeCall } from './encode.js';
import { PendingCalls } from './pending.js';

const ENGINE_PREFIX = 'engine::';

/** The session as calls see it (session/connection.ts, send-policy.ts). */
export interface CallLink {
  /** Sends the call now or queues it, as the session's send policy says. */
  submit(kind: 'call', text: string, isLive?: () => boolean, onSent?: () => void): unknown;
  /** The error a new call gets at once when the client was shut down or has failed. */
  stopped(functionId: string): Error | undefined;
}

export interface CallsContext {
  readonly platform: Platform;
  readonly options: Pick<ResolvedOptions, 'namespace' | 'invocationTimeoutMs' | 'propagator'>;
  readonly link: CallLink;
  /** SDK diagnostics: console only, never sent to the engine. */
  readonly diag: Logger;
}

export class Calls {
  readonly #ctx: CallsContext;
  readonly #pending: PendingCalls;

  constructor(ctx: CallsContext) {
    this.#ctx = ctx;
    this.#pending = new PendingCalls(ctx.platform);
  }

  /**
   * Ends pending calls with the error `makeError` gives for each: `all` of them, those `sent` on
   * a socket that is gone (their result can never come back, §3.13), or `none`.
   */
  end(which: 'all' | 'sent' | 'none', makeError: (functionId: string) => Error): void {
    if (which === 'all') this.#pending.rejectAll(makeError);
    else if (which === 'sent') this.#pending.rejectSent(makeError);
  }

  /** Never throws: every failure is a rejected promise (DESIGN.md "Errors"). */
  trigger(request: TriggerRequest): Promise<unknown> {
    try {
      return this.#trigger(request);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** An `invocationresult` frame: settles its pending call, if any still waits. */
  onResult(frame: InvocationResultFrame): void {
    if (!this.#pending.resolveFrame(frame) && frame.error) this.#onUnmatchedError(frame.function_id, frame.error);
  }

  #trigger(request: TriggerRequest): Promise<unknown> {
    const { platform, options, link } = this.#ctx;
    const pending = this.#pending;
    const invalid = (msg: string, code: string = ErrorCode.InvalidRequest) =>
      Promise.reject(new IIIInvocationError({ code, message: msg, function_id: request?.function_id }));
    if (request === null || typeof request !== 'object') return invalid('trigger: expected a request object');
    const functionId = request.function_id;
    if (typeof functionId !== 'string' || functionId.trim() === '') return invalid('trigger: function_id must be a non-empty string');
    const stopped = link.stopped(functionId);
    if (stopped) return Promise.reject(stopped);
    if (request.signal?.aborted) return Promise.reject(request.signal.reason);
    let namespace: string | undefined;
    if (request.namespace !== undefined) {
      if (isBlankNamespace(request.namespace)) {
        return invalid('`namespace` is empty: give it a name, or omit it to use the default', ErrorCode.InvalidNamespace);
      }
      namespace = request.namespace;
    } else {
      // §3.8: engine builtins live in `default`; everything else in the worker's namespace.
      namespace = functionId.startsWith(ENGINE_PREFIX) ? 'default' : options.namespace;
    }
    const action = request.action;
    if (action !== undefined && action !== null) {
      if (action.type === 'enqueue') {
        if (typeof action.queue !== 'string') return invalid('trigger: TriggerAction.Enqueue needs a queue name');
      } else if (action.type !== 'void') {
        return invalid(`trigger: unknown action type ${JSON.stringify((action as { type?: unknown }).type)}`);
      }
    }
    const timeoutMs = request.timeoutMs ?? options.invocationTimeoutMs;
    if (typeof timeoutMs !== 'number' || !(timeoutMs > 0)) return invalid('trigger: timeoutMs must be a positive number');
    const trace = this.#traceContext(request);
    // Undefined fields are dropped by JSON.stringify, so only what is set reaches the wire.
    const frame: OutboundInvokeFrame = {
      type: 'invokefunction',
      function_id: functionId,
      // Always present: the engine drops a frame without `data` (§7 item 16).
      data: request.payload === undefined ? null : request.payload,
      traceparent: trace.traceparent || undefined,
      baggage: trace.baggage || undefined,
      action: action ? (action.type === 'void' ? { type: 'void' } : { type: 'enqueue', queue: action.queue }) : undefined,
      metadata: request.metadata,
      namespace,
    };

    if (action?.type === 'void') {
      const text = encodeCall(frame);
      if (typeof text !== 'string') return Promise.reject(text);
      const deadline = platform.now() + timeoutMs;
      link.submit('call', text, () => platform.now() < deadline);
      return Promise.resolve(undefined);
    }
    const id = platform.randomUUID();
    frame.invocation_id = id;
    const text = encodeCall(frame);
    if (typeof text !== 'string') return Promise.reject(text);
    const promise = pending.add({ id, functionId, timeoutMs, signal: request.signal });
    if (pending.has(id)) {
      link.submit(
        'call',
        text,
        () => pending.has(id),
        () => pending.markSent(id),
      );
    }
    return promise;
  }

  /** The request's own trace context wins; else the propagator's, if it yields one. */
  #traceContext(request: TriggerRequest): { traceparent?: string; baggage?: string } {
    if (request.traceparent !== undefined || request.baggage !== undefined) {
      return { traceparent: request.traceparent, baggage: request.baggage };
    }
    const { propagator } = this.#ctx.options;
    const inject = propagator?.inject;
    if (!inject) return {};
    try {
      return inject.call(propagator) ?? {};
    } catch {
      return {};
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
