/**
 * The bindings the engine delivers to the trigger types this worker provides, and removes from
 * them (§3.7): each delivery is handed to the provider and acknowledged.
 */
import { ErrorCode, errorMessage } from '../errors.js';
import { encodeFrame, type InboundRegisterTriggerFrame, type InboundUnregisterTriggerFrame } from '../protocol/index.js';
import type { RegistrationContext } from './context.js';
import type { Binding } from './registry.js';
import { quietly } from './trigger-types.js';

export class Bindings {
  readonly #ctx: Pick<RegistrationContext, 'registry' | 'link' | 'report'>;

  constructor(ctx: Pick<RegistrationContext, 'registry' | 'link' | 'report'>) {
    this.#ctx = ctx;
  }

  /** The engine hands us a binding of a type we provide; we answer with an ack (§3.7). */
  async deliver(frame: InboundRegisterTriggerFrame): Promise<void> {
    const ack = (error?: { code: string; message: string }) => {
      // `error` is undefined (dropped by JSON.stringify) for a success.
      const { id, trigger_type, function_id } = frame;
      this.#ctx.link.submit('reply', encodeFrame({ type: 'triggerregistrationresult', id, trigger_type, function_id, error }));
    };
    const type = this.#ctx.registry.triggerTypes.get(frame.trigger_type);
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
      if (previous) await quietly(this.#ctx, () => type.handler.unregisterTrigger(previous));
      await type.handler.registerTrigger(binding);
      ack();
    } catch (err) {
      if (type.bindings.get(frame.id) === binding) type.bindings.delete(frame.id);
      ack({ code: ErrorCode.TriggerRegistrationFailed, message: errorMessage(err) });
    }
  }

  /** The engine's `unregistertrigger` carries only the binding id; its type is a hint (§2.3). */
  remove(frame: InboundUnregisterTriggerFrame): void {
    const { triggerTypes } = this.#ctx.registry;
    const hinted = frame.trigger_type ? triggerTypes.get(frame.trigger_type) : undefined;
    const type = hinted?.bindings.has(frame.id) ? hinted : [...triggerTypes.values()].find((t) => t.bindings.has(frame.id));
    const binding = type?.bindings.get(frame.id);
    if (!type || !binding) return;
    type.bindings.delete(frame.id);
    void quietly(this.#ctx, () => type.handler.unregisterTrigger(binding));
  }
}
