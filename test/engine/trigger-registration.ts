// A worker's trigger frames (protocol.md §3.7, §3.15 hooks, §8 items 18, 27–29):
// `registertriggertype`, `registertrigger`, `unregistertrigger` (after the namespace is fixed)
// and the provider's `triggerregistrationresult`. Frames to providers are sent on behalf of the
// connection whose frame caused them, and its read loop waits until they are queued (§8 item 22).
import type { WorkerConnection } from './connection.js';
import { Sends } from './sends.js';
import type { ErrorBody, FrameOf } from './frames.js';
import { prefixed } from './function-registration.js';
import { callHook, override } from './hooks.js';
import { DEFAULT_NS, blankFieldMessage, isBlank } from './namespaces.js';
import type { EngineCore } from './services.js';
import type { Binding } from './triggers.js';

async function fail(conn: WorkerConnection, id: string, type: string, fn: string, error: ErrorBody): Promise<void> {
  await conn.send({ type: 'triggerregistrationresult', id, trigger_type: type, function_id: fn, error }, conn);
}

const asString = (o: { value: unknown } | undefined, fallback: string): string => (typeof o?.value === 'string' ? o.value : fallback);

export async function registerTriggerType(core: EngineCore, conn: WorkerConnection, frame: FrameOf<'registertriggertype'>): Promise<void> {
  if (!conn.session.allow_trigger_type_registration) return;
  const hook = await callHook(core, conn, conn.listener.rbac?.on_trigger_type_registration_function_id, {
    trigger_type_id: frame.id,
    description: frame.description,
    context: conn.session.context,
  });
  if (!hook.allowed) return;
  const id = asString(override(hook, 'trigger_type_id'), frame.id);
  const description = asString(override(hook, 'description'), frame.description);
  if (frame.namespace !== undefined && isBlank(frame.namespace)) {
    core.log('error', 'registertriggertype with a blank namespace ignored', { id });
    return;
  }
  if (!conn.alive) return;
  const sends = new Sends(conn);
  core.triggers.registerType(
    {
      id,
      namespace: frame.namespace ?? conn.namespace ?? DEFAULT_NS,
      description,
      ...(frame.trigger_request_format !== undefined ? { trigger_request_format: frame.trigger_request_format } : {}),
      ...(frame.call_request_format !== undefined ? { call_request_format: frame.call_request_format } : {}),
      conn,
    },
    sends.to,
  );
  await sends.queued();
}

export async function registerTrigger(core: EngineCore, conn: WorkerConnection, frame: FrameOf<'registertrigger'>): Promise<void> {
  // 1. blank namespaces
  for (const field of ['namespace', 'trigger_namespace'] as const) {
    const v = frame[field];
    if (v !== undefined && isBlank(v)) {
      return fail(conn, frame.id, frame.trigger_type, frame.function_id, { code: 'INVALID_NAMESPACE', message: blankFieldMessage(field) });
    }
  }
  // 2. session and hook (may rewrite id, type, function and config)
  const s = conn.session;
  if (s.allowed_trigger_types !== undefined && !s.allowed_trigger_types.includes(frame.trigger_type)) return;
  const targetNs = frame.namespace ?? DEFAULT_NS;
  const hook = await callHook(core, conn, conn.listener.rbac?.on_trigger_registration_function_id, {
    trigger_id: frame.id,
    trigger_type: frame.trigger_type,
    function_id: frame.function_id,
    config: frame.config,
    metadata: frame.metadata ?? null,
    namespace: targetNs,
    context: s.context,
  });
  if (!hook.allowed) return;
  const id = asString(override(hook, 'trigger_id'), frame.id);
  const type = asString(override(hook, 'trigger_type'), frame.trigger_type);
  const newConfig = override(hook, 'config');
  const config = newConfig ? newConfig.value : frame.config;
  if (!conn.alive) return;
  // 3.–4. prefix, then RBAC on the target in the target namespace
  const fn = prefixed(conn, asString(override(hook, 'function_id'), frame.function_id));
  if (!core.decide(conn, fn, targetNs).allowed) {
    return fail(conn, id, type, fn, { code: 'FORBIDDEN', message: `function '${fn}' not allowed in namespace '${targetNs}'` });
  }
  // 5. provider resolution: live on a provider, or parked
  const b: Binding = { id, trigger_type: type, function_id: fn, config, originator: conn, createdAt: Date.now() };
  if (frame.metadata !== undefined) b.metadata = frame.metadata;
  if (frame.namespace !== undefined) b.namespace = frame.namespace;
  if (frame.trigger_namespace !== undefined) b.trigger_namespace = frame.trigger_namespace;
  const sends = new Sends(conn);
  const reason = core.triggers.place(b, sends.to);
  await sends.queued();
  if (reason !== undefined) return fail(conn, id, type, fn, { code: 'trigger_registration_failed', message: reason });
}

/** Any connection may unbind any id (§3.7). */
export async function unregisterTrigger(core: EngineCore, conn: WorkerConnection, frame: FrameOf<'unregistertrigger'>): Promise<void> {
  const sends = new Sends(conn);
  core.triggers.unbind(frame.id, sends.to);
  await sends.queued();
}

/** A provider's ack (§3.7 "Provider answer", §8 items 28–29); never buffered (§2.4 item 3). */
export async function handleTriggerAck(core: EngineCore, conn: WorkerConnection, frame: FrameOf<'triggerregistrationresult'>): Promise<void> {
  const b = core.triggers.live.get(frame.id);
  const waiter = core.ackWaiters.get(frame.id);
  if (waiter && b?.resolvedKey !== undefined && core.triggers.types.get(b.resolvedKey)?.conn === conn) {
    core.ackWaiters.delete(frame.id);
    waiter(frame.error);
  }
  const sends = new Sends(conn);
  const r = core.triggers.handleAck(conn, frame.id, frame.error, sends.to);
  const origin = r?.binding.originator;
  if (r && origin?.alive) {
    sends.to(origin, { type: 'triggerregistrationresult', id: r.binding.id, trigger_type: r.binding.trigger_type, function_id: r.binding.function_id, error: r.error });
  }
  await sends.queued();
}
