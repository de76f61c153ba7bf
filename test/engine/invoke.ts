// A worker's `invokefunction` (protocol.md §3.3 processing order, §3.6 void and enqueue, §3.15
// middleware, §8 items 15, 23, 26). Runs spawned, outside the read loop (§2.4 item 2).
import type { WorkerConnection } from './connection.js';
import { isObj, type ErrorBody, type FrameOf, type Outcome } from './frames.js';
import { DEFAULT_NS, blankFieldMessage, isBlank } from './namespaces.js';
import { forbiddenMessage } from './rbac.js';
import type { EngineCore } from './services.js';
import { newUuid } from './uuid.js';

type Invoke = FrameOf<'invokefunction'>;

/**
 * The reply to the caller (§8 item 15: error wins, keeping code/message/stacktrace only; a null
 * result is sent as no `result` key). Sent as the caller's own traffic: a caller that stops
 * reading its results is the one that waits (§8 item 22).
 */
function reply(conn: WorkerConnection, invocationId: string, functionId: string, outcome: Outcome): void {
  const frame: Record<string, unknown> = { type: 'invocationresult', invocation_id: invocationId, function_id: functionId };
  if (!outcome.ok) {
    const e: ErrorBody = { code: outcome.error.code, message: outcome.error.message };
    if (outcome.error.stacktrace !== undefined) e.stacktrace = outcome.error.stacktrace;
    frame.error = e;
  } else if (outcome.result !== undefined && outcome.result !== null) {
    frame.result = outcome.result;
  }
  void conn.send(frame, conn);
}

const fail = (code: string, message: string): Outcome => ({ ok: false, error: { code, message } });

/** §3.3 / §8 item 23 message for a WS caller. */
export function notFoundMessage(core: EngineCore, id: string, ns: string): string {
  const others = core.functions.namespacesFor(id).filter((n) => n !== ns);
  const hint = others.length > 0 ? ` It is registered in namespace(s): ${others.join(', ')}.` : '';
  return `Function ${id} not found in namespace ${ns}.${hint}`;
}

const NO_ENQUEUE_PROVIDER =
  'No queue provider is installed. `TriggerAction::Enqueue` routes through the `engine::queue::enqueue` provider, which the standalone queue worker registers. Add it with `iii worker add queue`. (underlying: ';

/** §3.6 enqueue through `engine::queue::enqueue` in `default`; the receipt is the engine's own. */
async function enqueue(core: EngineCore, conn: WorkerConnection, frame: Invoke, ns: string, queue: string): Promise<Outcome> {
  const messageReceiptId = newUuid();
  const input: Record<string, unknown> = {
    queue,
    function_id: frame.function_id,
    data: frame.data,
    messageReceiptId,
    traceparent: frame.traceparent ?? null,
    baggage: frame.baggage ?? null,
  };
  if (ns !== DEFAULT_NS) input.namespace = ns;
  const o = await core.callInternal(DEFAULT_NS, 'engine::queue::enqueue', input, { owner: conn });
  if (o.ok) return { ok: true, result: { messageReceiptId } };
  if (o.error.code === 'function_not_found' && !core.functions.get(DEFAULT_NS, 'engine::queue::enqueue')) {
    return fail('enqueue_error', `${NO_ENQUEUE_PROVIDER}${o.error.message})`);
  }
  return fail('enqueue_error', `${o.error.code}: ${o.error.message}`);
}

/**
 * Steps 1–5 of §3.3 up to the point where the call is started. Returns the reply to send once
 * the outcome is known, or nothing. Kept apart from the awaiting so that the inbound frame (and
 * its data) is not held while a worker takes its time (§3.5: no engine timeout).
 */
function start(core: EngineCore, conn: WorkerConnection, frame: Invoke): { replyId: string; outcome: Promise<Outcome | undefined> } | undefined {
  const fid = frame.function_id;
  const replyId = frame.invocation_id;
  const answer = (id: string | undefined, outcome: Outcome | Promise<Outcome | undefined>) =>
    id === undefined ? undefined : { replyId: id, outcome: Promise.resolve(outcome) };
  // 1. blank namespace
  if (frame.namespace !== undefined && isBlank(frame.namespace)) {
    return answer(replyId, fail('INVALID_NAMESPACE', blankFieldMessage('namespace')));
  }
  const ns = frame.namespace ?? DEFAULT_NS;
  // 2. RBAC: a denial is answered even without an invocation_id (with a fresh id).
  const d = core.decide(conn, fid, ns);
  if (!d.allowed) return answer(replyId ?? newUuid(), fail('FORBIDDEN', forbiddenMessage(fid, d.forbiddenExplicitly)));
  // 3. a namespace-scoped session may only declare its own namespaces (§1.2)
  if (fid === 'engine::workers::register' && conn.session.namespaces.size > 0) {
    const declared = isObj(frame.data) && typeof frame.data.namespace === 'string' ? frame.data.namespace : DEFAULT_NS;
    if (!conn.session.namespaces.has(declared)) {
      return answer(replyId ?? newUuid(), fail('FORBIDDEN', `namespace '${declared}' not allowed for this session`));
    }
  }
  // 4. middleware, except for engine-owned builtins (§3.15); its outcome is the reply.
  const mw = conn.listener.middlewareFunctionId;
  const target = core.functions.get(ns, fid);
  if (mw && !(target?.builtin && fid.startsWith('engine::'))) {
    const input = { function_id: fid, payload: frame.data, action: frame.action ?? null, context: conn.session.context, namespace: ns };
    return answer(replyId ?? newUuid(), core.callInternal(ns, mw, input, { metadata: frame.metadata, owner: conn }));
  }
  // 5. action routing
  if (frame.action?.type === 'enqueue') return answer(replyId, enqueue(core, conn, frame, ns, frame.action.queue));
  const isVoid = frame.action?.type === 'void';
  if (!target) {
    if (isVoid) core.log('warn', `void invoke: function ${fid} not found in namespace ${ns}`);
    return isVoid ? undefined : answer(replyId, fail('function_not_found', notFoundMessage(core, fid, ns)));
  }
  // §3.3: `_caller_worker_id` is added to object payloads of WS invokes (§8 item 26).
  const data = isObj(frame.data) ? { ...frame.data, _caller_worker_id: conn.id } : frame.data;
  const outcome = core.callEntry(target, data, {
    caller: conn,
    invocationId: isVoid ? undefined : replyId,
    metadata: frame.metadata,
    traceparent: frame.traceparent,
    baggage: frame.baggage,
    owner: conn,
  });
  return isVoid ? undefined : answer(replyId, outcome);
}

/** A worker's `invokefunction`; resolves once the reply (if any) is queued or abandoned. */
export function handleInvoke(core: EngineCore, conn: WorkerConnection, frame: Invoke): Promise<void> {
  const started = start(core, conn, frame);
  return started ? finish(conn, started.replyId, frame.function_id, started.outcome) : Promise.resolve();
}

async function finish(conn: WorkerConnection, replyId: string, functionId: string, pending: Promise<Outcome | undefined>): Promise<void> {
  const outcome = await pending;
  // `undefined`: the call was halted because this caller left; nobody is told (§8 item 25).
  if (outcome !== undefined) reply(conn, replyId, functionId, outcome);
}
