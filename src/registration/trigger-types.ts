/**
 * The provider side of trigger types (§3.7): registering a type and withdrawing it (which
 * releases its live bindings at once). The bindings the engine delivers are bindings.ts.
 */
import { notBlank } from '../arguments.js';
import type { RegisterTriggerTypeFrame } from '../protocol/index.js';
import type { FunctionHandler, FunctionRef, RegisterTriggerInput, RegisterTriggerTypeInput, Trigger, TriggerHandler, TriggerTypeRef } from '../types.js';
import type { Announcer } from './announce.js';
import type { RegistrationContext } from './context.js';
import type { TriggerTypeEntry } from './registry.js';

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
      into: registry.triggerTypes,
    });
    return {
      id: typeId,
      registerTrigger: (functionId, config, metadata) => api.registerTrigger({ type: typeId, function_id: functionId, config, metadata }),
      registerFunction: (functionId, fn, config, metadata) => {
        const ref = api.registerFunction(functionId, fn as FunctionHandler);
        const trigger = api.registerTrigger({ type: typeId, function_id: functionId, config, metadata });
        return {
          id: functionId,
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
    for (const binding of live) void quietly(this.#ctx, () => entry.handler.unregisterTrigger(binding));
  }
}

/** Runs a provider callback; what it throws or rejects with becomes the `'error'` event. */
export async function quietly(ctx: Pick<RegistrationContext, 'report'>, fn: () => unknown): Promise<void> {
  try {
    await fn();
  } catch (err) {
    ctx.report(err);
  }
}
