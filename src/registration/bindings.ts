/**
 * The bindings the engine delivers to the trigger types this worker provides, and removes from
 * them (§3.7): each delivery is handed to the provider and acknowledged. Loaded on first use
 * (deliveries.ts): only a trigger-type provider receives them.
 */
import { ErrorCode, errorMessage } from '../errors.js';
import { encodeFrame, type InboundRegisterTriggerFrame, type InboundUnregisterTriggerFrame } from '../protocol/index.js';
import { quietly, type RegistrationContext } from './context.js';
import type { Binding } from './registry.js';

export type BindingsContext = Pick<RegistrationContext, 'registry' | 'link' | 'report'>;

/** The engine hands us a binding of a type we provide; we answer with an ack (§3.7). */
export async function deliver(ctx: BindingsContext, frame: InboundRegisterTriggerFrame): Promise<void> {
  const type = ctx.registry.triggerTypes.get(frame.trigger_type);
  if (!type) {
    ack(ctx, frame, { code: ErrorCode.TriggerTypeNotFound, message: `trigger type "${frame.trigger_type}" is not provided by this worker` });
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
    if (previous) await quietly(ctx, () => type.handler.unregisterTrigger(previous));
    await type.handler.registerTrigger(binding);
    ack(ctx, frame);
  } catch (err) {
    if (type.bindings.get(frame.id) === binding) type.bindings.delete(frame.id);
    ack(ctx, frame, { code: ErrorCode.TriggerRegistrationFailed, message: errorMessage(err) });
  }
}

/** The engine's `unregistertrigger` carries only the binding id; its type is a hint (§2.3). */
export function remove(ctx: BindingsContext, frame: InboundUnregisterTriggerFrame): void {
  const { triggerTypes } = ctx.registry;
  const hinted = frame.trigger_type ? triggerTypes.get(frame.trigger_type) : undefined;
  const type = hinted?.bindings.has(frame.id) ? hinted : [...triggerTypes.values()].find((t) => t.bindings.has(frame.id));
  const binding = type?.bindings.get(frame.id);
  if (!type || !binding) return;
  type.bindings.delete(frame.id);
  void quietly(ctx, () => type.handler.unregisterTrigger(binding));
}

/** The provider's answer to a delivery (§3.7); `error` is undefined (dropped by JSON.stringify) for a success. */
function ack(ctx: Pick<RegistrationContext, 'link'>, frame: InboundRegisterTriggerFrame, error?: { code: string; message: string }): void {
  const { id, trigger_type, function_id } = frame;
  ctx.link.submit('reply', encodeFrame({ type: 'triggerregistrationresult', id, trigger_type, function_id, error }));
}
