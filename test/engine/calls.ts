// How the engine runs a resolved function (protocol.md §3.3, §3.5, §3.13, §8 items 16, 24–26):
// builtins in-process, worker functions by an engine → worker `invokefunction` awaited without
// timeout, HTTP-invoked functions not at all (the reference engine has no HTTP functions worker).
import type { WorkerConnection } from './connection.js';
import { encodeFrame } from './outbound.js';
import type { Outcome } from './frames.js';
import type { CallContext, FunctionEntry } from './functions.js';
import type { CallOptions, EngineCore } from './services.js';
import { newUuid } from './uuid.js';

const STOPPED: Outcome = { ok: false, error: { code: 'invocation_stopped', message: 'Invocation stopped' } };

function failed(code: string, message: string): Outcome {
  return { ok: false, error: { code, message } };
}

/** Runs `entry`; `undefined` = halted because its caller went away (§8 item 25). */
export async function callEntry(core: EngineCore, entry: FunctionEntry, data: unknown, opts: CallOptions): Promise<Outcome | undefined> {
  if (entry.builtin) {
    const ctx: CallContext = { caller: opts.caller, namespace: entry.namespace };
    if (opts.metadata !== undefined) ctx.metadata = opts.metadata;
    if (opts.baggage !== undefined) ctx.baggage = opts.baggage;
    try {
      return await entry.builtin(data, ctx);
    } catch (e) {
      return failed('invocation_failed', (e as Error).message);
    }
  }
  if (entry.invocation) return failed('http_request_failed', 'no HTTP functions worker in the reference engine');
  const target = entry.owner;
  if (!target || !target.open || target.tearingDown) return failed('channel_send_failed', 'worker connection closed');
  return deliver(core, target, entry, data, opts);
}

/**
 * Sends the invocation to its worker (prefix stripped, never action/namespace, §3.3) and returns
 * the tracked result. Not async, so nothing here keeps `data` alive while the result is awaited.
 */
function deliver(core: EngineCore, target: WorkerConnection, entry: FunctionEntry, data: unknown, opts: CallOptions): Promise<Outcome | undefined> {
  const id = opts.invocationId ?? newUuid();
  let functionId = entry.id;
  const prefix = target.session.function_registration_prefix;
  if (prefix !== undefined && functionId.startsWith(`${prefix}::`)) functionId = functionId.slice(prefix.length + 2);
  const frame: Record<string, unknown> = { type: 'invokefunction', invocation_id: id, function_id: functionId, data };
  if (opts.metadata !== undefined) frame.metadata = opts.metadata;
  if (opts.traceparent !== undefined) frame.traceparent = opts.traceparent;
  if (opts.baggage !== undefined) frame.baggage = opts.baggage;
  const text = encodeFrame(frame);
  if (text === undefined) return Promise.resolve(failed('serialization_error', `the input of ${entry.id} could not be serialised for the worker`));
  const result = core.invocations.track(id, opts.caller, target);
  const notQueued = (): void =>
    core.invocations.failDelivery(id, target, {
      code: 'channel_send_failed',
      message: target.open ? 'the worker is not reading: its writer queue refused the invocation' : 'worker connection closed',
    });
  const sent = target.sendText(text, opts.owner);
  if (sent === false) notQueued();
  else if (sent !== true) void sent.then((queued) => queued || notQueued());
  return result;
}

/** Engine-internal call (auth, hooks, middleware, trigger fires, enqueue provider): no injection. */
export async function callInternal(core: EngineCore, ns: string, id: string, data: unknown, opts: CallOptions = {}): Promise<Outcome> {
  const entry = core.functions.get(ns, id);
  if (!entry) return failed('function_not_found', `Function ${id} not found in namespace ${ns}`);
  return (await callEntry(core, entry, data, { metadata: opts.metadata, owner: opts.owner })) ?? STOPPED;
}
