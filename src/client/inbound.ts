/**
 * Engine → worker invocations (§3.3): find the function, validate the payload, turn channel refs
 * into live ends, run the handler (inside the delivered trace context), and answer.
 *
 * Loaded with the first `invokefunction` frame (iii.ts), and in the background as soon as a
 * function is registered (registrations.ts), so it is usually there when the engine calls: an
 * invocation only ever arrives from the socket, and a worker that registers no function (a page
 * that only calls) never loads this module (PRACTICES.md item 13).
 */
import * as v from 'valibot';
import { containsChannelRef, materializeChannelRefs } from '../channels/materialize.js';
import { ErrorCode } from '../errors.js';
import { encodeFrame, type InboundInvokeFrame, type OutboundInvocationResultFrame } from '../protocol/index.js';
import type { FunctionEntry } from '../registry/index.js';
import type { InvocationContext } from '../types.js';
import type { ChannelEnds } from './channel-ends.js';
import { errorMessage, type ClientContext } from './context.js';

export type InboundContext = Pick<ClientContext, 'options' | 'conn' | 'registry'>;

type ErrorOutcome = { code: string; message: string; stacktrace?: string };
type Outcome = { result: unknown } | { error: ErrorOutcome };

export function onInvoke(ctx: InboundContext, channels: ChannelEnds, frame: InboundInvokeFrame): void {
  const id = frame.invocation_id ?? undefined;
  const entry = ctx.registry.functions.get(frame.function_id);
  if (!entry) {
    reply(ctx, id, frame.function_id, { error: { code: ErrorCode.FunctionNotFound, message: 'Function not found' } });
    return;
  }
  if (!entry.run) {
    reply(ctx, id, frame.function_id, {
      error: {
        code: ErrorCode.FunctionNotInvokable,
        message: `Function ${frame.function_id} is HTTP-invoked: the engine calls its URL, not this worker`,
      },
    });
    return;
  }
  void run(ctx, channels, entry, entry.run, frame, id);
}

async function run(
  ctx: InboundContext,
  channels: ChannelEnds,
  entry: FunctionEntry,
  fn: NonNullable<FunctionEntry['run']>,
  frame: InboundInvokeFrame,
  id: string | undefined,
): Promise<void> {
  let data: unknown = frame.data === undefined ? null : frame.data;
  const callerWorkerId = callerOf(data);
  try {
    if (entry.schema) {
      // The engine's injected caller id (§3.3) is not part of the caller's payload: a strict
      // schema must not trip over it. It stays available as `context.callerWorkerId`.
      let input = data;
      if (callerWorkerId !== undefined) {
        const { _caller_worker_id: _, ...rest } = data as Record<string, unknown>;
        input = rest;
      }
      const checked = v.safeParse(entry.schema, input);
      if (!checked.success) {
        reply(ctx, id, frame.function_id, {
          error: { code: ErrorCode.ValidationFailed, message: `invalid payload for ${frame.function_id}: ${issuesText(checked.issues)}` },
        });
        return;
      }
      data = checked.output;
    }
    // Most payloads carry no ref: skip the copy then (test/bench micro.ts: 1.4 us -> 0.05 us).
    if (containsChannelRef(data)) data = materializeChannelRefs(data, channels.open);
    const context: InvocationContext = {
      invocationId: id,
      functionId: frame.function_id,
      traceparent: frame.traceparent ?? undefined,
      baggage: frame.baggage ?? undefined,
      callerWorkerId,
    };
    const call = () => fn(data, frame.metadata ?? undefined, context);
    const { propagator } = ctx.options;
    const extract = propagator?.extract;
    const value = await (extract ? extract.call(propagator, { traceparent: context.traceparent, baggage: context.baggage }, call) : call());
    reply(ctx, id, frame.function_id, { result: value });
  } catch (err) {
    reply(ctx, id, frame.function_id, {
      error: { code: ErrorCode.InvocationFailed, message: errorMessage(err), stacktrace: err instanceof Error ? err.stack : undefined },
    });
  }
}

/** The first five of valibot's issues, each with its path: `a.b: Invalid type: …; c: …`. */
function issuesText(issues: readonly v.BaseIssue<unknown>[]): string {
  return issues
    .slice(0, 5)
    .map((issue) => {
      const path = issue.path?.map((p) => String(p.key)).join('.');
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');
}

/** Answers an engine invocation (§3.3); nothing when it carried no id. */
function reply(ctx: InboundContext, id: string | undefined, functionId: string, outcome: Outcome): void {
  if (id === undefined) return;
  let text: string;
  try {
    text = encodeFrame(resultFrame(id, functionId, outcome));
  } catch (err) {
    text = encodeFrame(
      resultFrame(id, functionId, {
        error: { code: ErrorCode.InvocationFailed, message: `result is not JSON-serializable: ${errorMessage(err)}` },
      }),
    );
  }
  // A reply for a socket that is gone has nobody to reach: the engine halted the call (§3.13).
  ctx.conn.send(text);
}

/** The calling connection's worker id, which the engine injects into object payloads (§3.3). */
function callerOf(data: unknown): string | undefined {
  if (data === null || typeof data !== 'object') return undefined;
  const caller = (data as Record<string, unknown>)._caller_worker_id;
  return typeof caller === 'string' ? caller : undefined;
}

/** An `undefined` result is left out of the frame, not sent as `null`. */
function resultFrame(id: string, functionId: string, outcome: Outcome): OutboundInvocationResultFrame {
  // A `result` of undefined is dropped by JSON.stringify: the field is omitted, not null.
  return { type: 'invocationresult', invocation_id: id, function_id: functionId, ...outcome };
}
