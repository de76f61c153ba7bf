// `registerfunction`, `unregisterfunction` and `registerservice` once the connection namespace is
// fixed (protocol.md §3.2, §3.9, §3.15 hooks, §8 item 17).
import type { WorkerConnection } from './connection.js';
import type { FrameOf } from './frames.js';
import type { FunctionEntry } from './functions.js';
import { callHook, override } from './hooks.js';
import { DEFAULT_NS, nsKey } from './namespaces.js';
import type { EngineCore } from './services.js';

/** §3.2 step 2: the session's `function_registration_prefix`. */
export function prefixed(conn: WorkerConnection, id: string): string {
  const p = conn.session.function_registration_prefix;
  return p === undefined ? id : `${p}::${id}`;
}

/** §3.12: non-fatal refusal of one function; the read loop waits until it is queued. */
async function reject(conn: WorkerConnection, ns: string, functionId: string, owner: string): Promise<void> {
  await conn.send({ type: 'registrationrejected', code: 'FUNCTION_NAMESPACE_CONFLICT', namespace: ns, function_id: functionId, owner_worker_id: owner }, conn);
}

export async function registerFunction(core: EngineCore, conn: WorkerConnection, frame: FrameOf<'registerfunction'>): Promise<void> {
  // 1. session checks and the registration hook (may rewrite id, description, metadata)
  if (!conn.session.allow_function_registration) return;
  const ns = conn.namespace ?? DEFAULT_NS;
  let id = frame.id;
  let description = frame.description;
  let metadata = frame.metadata;
  const hook = await callHook(core, conn, conn.listener.rbac?.on_function_registration_function_id, {
    function_id: id,
    description: description ?? null,
    metadata: metadata ?? null,
    namespace: ns,
    context: conn.session.context,
  });
  if (!hook.allowed) return;
  const newId = override(hook, 'function_id');
  if (typeof newId?.value === 'string') id = newId.value;
  const newDescription = override(hook, 'description');
  if (newDescription) description = typeof newDescription.value === 'string' ? newDescription.value : undefined;
  const newMetadata = override(hook, 'metadata');
  if (newMetadata) metadata = newMetadata.value === null ? undefined : newMetadata.value;
  if (!conn.alive) return;
  // 2.–4. prefix, the `engine::` reservation outside default, the lease
  const stored = prefixed(conn, id);
  if (stored.startsWith('engine::') && ns !== DEFAULT_NS) return reject(conn, ns, stored, '');
  const holder = core.functions.liveHolderOtherThan(conn, ns, stored);
  if (holder) return reject(conn, ns, stored, holder.id);
  // 5. Builtins hold no lease: a worker's registration replaces them (§8 item 17).
  const entry: FunctionEntry = { id: stored, namespace: ns, owner: conn, registeredAt: Date.now() };
  if (description !== undefined) entry.description = description;
  if (frame.request_format !== undefined) entry.request_format = frame.request_format;
  if (frame.response_format !== undefined) entry.response_format = frame.response_format;
  if (metadata !== undefined) entry.metadata = metadata;
  if (frame.invocation !== undefined) entry.invocation = frame.invocation;
  core.functions.set(entry);
}

/** Removed only while this connection still owns the lease (§3.2). */
export function unregisterFunction(core: EngineCore, conn: WorkerConnection, frame: FrameOf<'unregisterfunction'>): void {
  const ns = conn.namespace ?? DEFAULT_NS;
  const stored = prefixed(conn, frame.id);
  if (core.functions.get(ns, stored)?.owner === conn) core.functions.delete(ns, stored);
}

/** §3.9: stored in the connection namespace; no reply. */
export function registerService(core: EngineCore, conn: WorkerConnection, frame: FrameOf<'registerservice'>): void {
  const ns = conn.namespace ?? DEFAULT_NS;
  core.registeredServices.set(nsKey(ns, frame.id), {
    id: frame.id,
    name: frame.name || frame.id,
    namespace: ns,
    ...(frame.description !== undefined ? { description: frame.description } : {}),
    ...(frame.parent_service_id !== undefined ? { parent_service_id: frame.parent_service_id } : {}),
  });
}
