/**
 * The bindings the engine delivers to a trigger type this worker provides, and removes from it
 * (§3.7), and their release when the type is withdrawn. Loaded on the first `registertrigger` /
 * `unregistertrigger` frame (lazy-parts.ts): both arrive from the socket, so nothing waits on
 * them synchronously, and a worker that provides no trigger type never receives one
 * (PRACTICES.md item 13).
 */
import { ErrorCode } from '../errors.js';
import { encodeFrame, type InboundRegisterTriggerFrame, type InboundUnregisterTriggerFrame } from '../protocol/index.js';
import type { Binding, Registry, TriggerTypeEntry } from '../registry/index.js';
import { errorMessage } from './context.js';
import type { TriggerTypesContext } from './trigger-types.js';

/** The engine hands us a binding of a type we provide; we answer with an ack (§3.7). */
export async function deliverBinding(ctx: TriggerTypesContext, frame: InboundRegisterTriggerFrame): Promise<void> {
  const ack = (error?: { code: string; message: string }) => {
    ctx.conn.send(
      encodeFrame({
        type: 'triggerregistrationresult',
        id: frame.id,
        trigger_type: frame.trigger_type,
        function_id: frame.function_id,
        error, // undefined (dropped by JSON.stringify) for a success
      }),
    );
  };
  const type = ctx.registry.triggerTypes.get(frame.trigger_type);
  if (!type) {
    ack({ code: ErrorCode.TriggerTypeNotFound, message: `trigger type "${frame.trigger_type}" is not provided by this worker` });
    return;
  }
  const binding: Binding = { id: frame.id, function_id: frame.function_id, config: frame.config ?? null };
  if (frame.metadata !== undefined && frame.metadata !== null) binding.metadata = frame.metadata;
  if (frame.namespace) binding.namespace = frame.namespace;
  if (frame.trigger_namespace) binding.trigger_namespace = frame.trigger_namespace;
  const previous = type.bindings.get(frame.id);
  type.bindings.set(frame.id, binding);
  try {
    // A known id is a replacement (§8 item 27): let the handler release the old one first.
    if (previous) await callQuietly(ctx, () => type.handler.unregisterTrigger(previous));
    await type.handler.registerTrigger(binding);
    ack();
  } catch (err) {
    if (type.bindings.get(frame.id) === binding) type.bindings.delete(frame.id);
    ack({ code: ErrorCode.TriggerRegistrationFailed, message: errorMessage(err) });
  }
}

/** The engine's `unregistertrigger` carries only the binding id; its type is a hint (§2.3). */
export function removeBinding(ctx: TriggerTypesContext, frame: InboundUnregisterTriggerFrame): void {
  const found = findBinding(ctx.registry, frame.id, frame.trigger_type);
  if (!found) return;
  found.type.bindings.delete(frame.id);
  void callQuietly(ctx, () => found.type.handler.unregisterTrigger(found.binding));
}

/** `unregisterTriggerType`: the provider's `unregisterTrigger` runs for every live binding. */
export function releaseBindings(ctx: TriggerTypesContext, type: TriggerTypeEntry): void {
  const live = [...type.bindings.values()];
  type.bindings.clear();
  for (const binding of live) void callQuietly(ctx, () => type.handler.unregisterTrigger(binding));
}

/** Runs a provider callback; what it throws or rejects with becomes the `'error'` event. */
async function callQuietly(ctx: TriggerTypesContext, fn: () => unknown): Promise<void> {
  try {
    await fn();
  } catch (err) {
    ctx.report(err);
  }
}

/** Finds the binding an engine `unregistertrigger` names; `typeHint` is only a hint (§2.3). */
function findBinding(registry: Registry, id: string, typeHint?: string | null): { type: TriggerTypeEntry; binding: Binding } | undefined {
  if (typeHint) {
    const type = registry.triggerTypes.get(typeHint);
    const binding = type?.bindings.get(id);
    if (type && binding) return { type, binding };
  }
  for (const type of registry.triggerTypes.values()) {
    const binding = type.bindings.get(id);
    if (binding) return { type, binding };
  }
  return undefined;
}
