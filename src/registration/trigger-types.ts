/**
 * The provider side of trigger types (§3.7): registering a type, the bindings the engine
 * delivers to it and removes from it (each acknowledged), and withdrawing the type.
 */
import { notBlank } from '../arguments.js';
import { ErrorCode, errorMessage } from '../errors.js';
import { encodeFrame, type InboundRegisterTriggerFrame, type InboundUnregisterTriggerFrame, type RegisterTriggerTypeFrame } from '../protocol/index.js';
import type { FunctionHandler, FunctionRef, RegisterTriggerInput, RegisterTriggerTypeInput, Trigger, TriggerHandler, TriggerTypeRef } from '../types.js';
import type { Announcer } from './announce.js';
import type { RegistrationContext } from './context.js';
import type { Binding, TriggerTypeEntry } from './registry.js';

/** What a trigger type's ref builds on: the facade's own methods, so a helper takes the user's path. */
export interface ProviderApi {
  registerFunction(id: string, handler: FunctionHandler): FunctionRef;
  registerTrigger(input: RegisterTriggerInput): Trigger;
}

export class TriggerTypes {
  readonly #ctx: RegistrationContext;
  readonly #announcer: Announcer;

  constructor(ctx: RegistrationContext, announcer: Announcer) {
    this.#ctx = ctx;
    this.#announcer = announcer;
  }

  register<TConfig>(input: RegisterTriggerTypeInput, handler: TriggerHandler<TConfig>, api: ProviderApi): TriggerTypeRef<TConfig> {
    const { registry, link } = this.#ctx;
    link.assertUsable('registerTriggerType');
    notBlank('trigger type id', input?.id);
    if (!handler || typeof handler.registerTrigger !== 'function' || typeof handler.unregisterTrigger !== 'function') {
      throw new TypeError('registerTriggerType: the handler needs registerTrigger(binding) and unregisterTrigger(binding)');
    }
    const typeId = input.id;
    if (registry.triggerTypes.has(typeId)) throw new Error(`trigger type "${typeId}" is already registered on this worker`);
    const entry: TriggerTypeEntry = { id: typeId, handler: handler as TriggerTypeEntry['handler'], bindings: new Map() };
    this.#announcer.announce({
      what: `registerTriggerType("${typeId}")`,
      formats: { trigger_request_format: input.trigger_request_format, call_request_format: input.call_request_format },
      // An absent format stays undefined, which JSON.stringify drops.
      build: (wire): RegisterTriggerTypeFrame => ({
        type: 'registertriggertype',
        id: typeId,
        description: input.description ?? '',
        trigger_request_format: wire.trigger_request_format,
        call_request_format: wire.call_request_format,
      }),
      entry,
      store: () => registry.triggerTypes.set(typeId, entry),
      isCurrent: () => registry.triggerTypes.get(typeId) === entry,
    });
    return {
      id: typeId,
      registerTrigger: (functionId, config, metadata) => api.registerTrigger({ type: typeId, function_id: functionId, config, metadata }),
      registerFunction: (functionId, fn, config, metadata) => {
        const ref = api.registerFunction(functionId, fn);
        const trigger = api.registerTrigger({ type: typeId, function_id: functionId, config, metadata });
        return {
          id: ref.id,
          unregister: () => {
            trigger.unregister();
            ref.unregister();
          },
          get rejection() {
            return ref.rejection;
          },
          onRejected: (cb) => ref.onRejected(cb),
        };
      },
      unregister: () => this.unregister({ id: typeId }),
    };
  }

  /**
   * See `III.unregisterTriggerType` for why nothing is sent (§7 item 1). The provider's
   * `unregisterTrigger` runs at once for every live binding of the type, which is forgotten.
   */
  unregister(input: { id: string } | RegisterTriggerTypeInput): void {
    const { registry } = this.#ctx;
    const entry = registry.triggerTypes.get(input?.id);
    if (!entry) return;
    registry.triggerTypes.delete(entry.id);
    const live = [...entry.bindings.values()];
    entry.bindings.clear();
    for (const binding of live) void this.#quietly(() => entry.handler.unregisterTrigger(binding));
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
      if (previous) await this.#quietly(() => type.handler.unregisterTrigger(previous));
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
    void this.#quietly(() => type.handler.unregisterTrigger(binding));
  }

  /** Runs a provider callback; what it throws or rejects with becomes the `'error'` event. */
  async #quietly(fn: () => unknown): Promise<void> {
    try {
      await fn();
    } catch (err) {
      this.#ctx.report(err);
    }
  }
}
