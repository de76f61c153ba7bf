/**
 * Engine → worker invocations (§3.3): find the function, validate the payload, turn channel refs
 * into live ends, run the handler (inside the delivered trace context), and answer.
 */
import { isThenable } from '../arguments.js';
import { ErrorCode, errorMessage } from '../errors.js';
import type { Logger } from '../logger.js';
import type { TracePropagator } from '../options.js';
import type { InboundInvokeFrame } from '../protocol/index.js';
import type { AnySchema } from '../schema.js';
import type { InvocationContext } from '../types.js';
import { encodeReply, type Outcome } from './encode.js';

/** A function this worker serves, as the registry keeps it (registration/registry.ts). */
export interface ServedFunction {
  /** Absent for HTTP-invoked functions, which never run locally (§3.2). */
  run?: (data: unknown, metadata: unknown, context: InvocationContext) => unknown;
  /** Every inbound payload must pass it before `run`. */
  schema?: AnySchema;
}

export interface ServingContext {
  find(functionId: string): ServedFunction | undefined;
  /** The payload with every channel ref in it replaced by a live end (§4.6, channels/). */
  materialize(data: unknown): unknown;
  /** Sends an answer (send policy `reply`: dropped if its socket is gone, the engine halted the call, §3.13). */
  reply(text: string): void;
  propagator?: TracePropagator | undefined;
  /** A result over it is not sent: the caller gets `PAYLOAD_TOO_LARGE` (encode.ts). */
  maxMessageBytes: number;
  /** Whether a handler's stack trace goes to the caller (who may be an untrusted browser tab). */
  sendStackTraces: boolean;
  /** The worker's console log: handler failures and results that could not be sent. */
  diag: Logger;
}

export class Serving {
  readonly #ctx: ServingContext;

  constructor(ctx: ServingContext) {
    this.#ctx = ctx;
  }

  /** An `invokefunction` frame. Never throws: every failure is answered to the caller. */
  onInvoke(frame: InboundInvokeFrame): void {
    const id = frame.invocation_id ?? undefined;
    const fn = this.#ctx.find(frame.function_id);
    if (!fn) {
      this.#reply(id, frame, { error: { code: ErrorCode.FunctionNotFound, message: 'Function not found' } });
    } else if (!fn.run) {
      this.#reply(id, frame, {
        error: {
          code: ErrorCode.FunctionNotInvokable,
          message: `Function ${frame.function_id} is HTTP-invoked: the engine calls its URL, not this worker`,
        },
      });
    } else {
      this.#run(fn, fn.run, frame, id);
    }
  }

  /**
   * Runs the handler and answers. A handler that returns a plain value (not a promise or other
   * thenable) is answered at once, in the same task as its invocation arrived: no microtask hop
   * between the frame and the reply (docs/benchmarks.md).
   */
  #run(fn: ServedFunction, run: NonNullable<ServedFunction['run']>, frame: InboundInvokeFrame, id: string | undefined): void {
    let data: unknown = frame.data === undefined ? null : frame.data;
    const callerWorkerId = callerOf(data);
    let value: unknown;
    try {
      if (fn.schema) {
        // The engine's injected caller id (§3.3) is not part of the caller's payload: a strict
        // schema must not trip over it. It stays available as `context.callerWorkerId`.
        let input = data;
        if (callerWorkerId !== undefined) {
          const { _caller_worker_id: _, ...rest } = data as Record<string, unknown>;
          input = rest;
        }
        // Through the Standard Schema interface every valibot schema has: no valibot import here.
        const checked = fn.schema['~standard'].validate(input) as { value?: unknown; issues?: readonly Issue[] };
        if (checked.issues) {
          const message = `invalid payload for ${frame.function_id}: ${issuesText(checked.issues)}`;
          this.#reply(id, frame, { error: { code: ErrorCode.ValidationFailed, message } });
          return;
        }
        data = checked.value;
      }
      data = this.#ctx.materialize(data);
      if (isThenable(data)) {
        const later = Promise.resolve(data).then((live) => this.#call(run, live, frame, id, callerWorkerId));
        void this.#later(later, frame, id);
        return;
      }
      value = this.#call(run, data, frame, id, callerWorkerId);
      if (isThenable(value)) {
        void this.#later(value, frame, id);
        return;
      }
    } catch (err) {
      this.#failed(id, frame, err);
      return;
    }
    this.#reply(id, frame, { result: value });
  }

  /** Runs the handler inside the delivered trace context, if a propagator is set. */
  #call(run: NonNullable<ServedFunction['run']>, data: unknown, frame: InboundInvokeFrame, id: string | undefined, callerWorkerId: string | undefined): unknown {
    const context: InvocationContext = {
      invocationId: id,
      functionId: frame.function_id,
      traceparent: frame.traceparent ?? undefined,
      baggage: frame.baggage ?? undefined,
      callerWorkerId,
    };
    const { propagator } = this.#ctx;
    const extract = propagator?.extract;
    if (!extract) return run(data, frame.metadata ?? undefined, context);
    return extract.call(propagator, { traceparent: context.traceparent, baggage: context.baggage }, () => run(data, frame.metadata ?? undefined, context));
  }

  /** Answers once a handler's promise (or other thenable) settles. */
  async #later(pending: PromiseLike<unknown>, frame: InboundInvokeFrame, id: string | undefined): Promise<void> {
    let value: unknown;
    try {
      value = await pending;
    } catch (err) {
      this.#failed(id, frame, err);
      return;
    }
    this.#reply(id, frame, { result: value });
  }

  /**
   * The handler threw or rejected. The failure stays readable here, stack included; the caller
   * gets the message and the error's own string `code` (e.g. CARD_DECLINED), and the stack only
   * if sendStackTraces.
   */
  #failed(id: string | undefined, frame: InboundInvokeFrame, err: unknown): void {
    const { diag, sendStackTraces } = this.#ctx;
    diag.error(`${frame.function_id} failed: ${errorMessage(err)}`, err);
    const own = (err as { code?: unknown } | null)?.code;
    const code = typeof own === 'string' && own ? own : ErrorCode.InvocationFailed;
    const stacktrace = sendStackTraces && err instanceof Error ? err.stack : undefined;
    // An IIIInvocationError's message already starts "<code>: " (errors.ts); the body carries
    // the code in its own field, so the caller would otherwise read it twice.
    let message = errorMessage(err);
    if (message.startsWith(`${code}: `)) message = message.slice(code.length + 2);
    this.#reply(id, frame, { error: { code, message, stacktrace } });
  }

  /** Answers an engine invocation (§3.3); nothing when it carried no id. */
  #reply(id: string | undefined, frame: InboundInvokeFrame, outcome: Outcome): void {
    if (id === undefined) return;
    const { text, refused } = encodeReply(id, frame.function_id, outcome, this.#ctx.maxMessageBytes);
    if (refused) this.#ctx.diag.warn(`${refused}; the caller gets this error instead of the result`);
    this.#ctx.reply(text);
  }
}

type Issue = { message: string; path?: ReadonlyArray<PropertyKey | { key: PropertyKey }> };

/** The first five issues, each with its path: `a.b: Invalid type: …; c: …`. */
function issuesText(issues: readonly Issue[]): string {
  return issues
    .slice(0, 5)
    .map((issue) => {
      const path = issue.path?.map((p) => String(typeof p === 'object' ? p.key : p)).join('.');
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');
}

/** The calling connection's worker id, which the engine injects into object payloads (§3.3). */
function callerOf(data: unknown): string | undefined {
  if (data === null || typeof data !== 'object') return undefined;
  const caller = (data as Record<string, unknown>)._caller_worker_id;
  return typeof caller === 'string' ? caller : undefined;
}
