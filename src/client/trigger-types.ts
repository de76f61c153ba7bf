/**
 * The provider side of trigger types (§3.7): registering a type and withdrawing it. The
 * bindings the engine delivers to a type and removes from it, their acks, and their release
 * when the type is withdrawn are handled by bindings.ts, loaded with the first such frame
 * (lazy-parts.ts).
 */
import type { TriggerTypeEntry } from '../registry/index.js';
import { toWireFormat } from '../schema.js';
import type { RegisterTriggerTypeInput, TriggerHandler, TriggerTypeRef } from '../types.js';
import { encodeOrThrow, notBlank } from './arguments.js';
import type { ClientContext, WorkerApi } from './context.js';
import { bindings } from './lazy-parts.js';
import { sendRegistration } from './registrations.js';

export type TriggerTypesContext = Pick<ClientContext, 'conn' | 'registry' | 'report' | 'session'>;

export class TriggerTypes {
  readonly #ctx: TriggerTypesContext;
  readonly #api: Pick<WorkerApi, 'registerFunction' | 'registerTrigger'>;

  constructor(ctx: TriggerTypesContext, api: Pick<WorkerApi, 'registerFunction' | 'registerTrigger'>) {
    this.#ctx = ctx;
    this.#api = api;
  }

  register<TConfig>(input: RegisterTriggerTypeInput, handler: TriggerHandler<TConfig>): TriggerTypeRef<TConfig> {
    const { registry, session } = this.#ctx;
    session.assertUsable('registerTriggerType');
    notBlank('trigger type id', input?.id);
    if (!handler || typeof handler.registerTrigger !== 'function' || typeof handler.unregisterTrigger !== 'function') {
      throw new TypeError('registerTriggerType: the handler needs registerTrigger(binding) and unregisterTrigger(binding)');
    }
    if (registry.triggerTypes.has(input.id)) throw new Error(`trigger type "${input.id}" is already registered on this worker`);
    // An absent format stays undefined, which JSON.stringify drops.
    const frame = {
      type: 'registertriggertype' as const,
      id: input.id,
      description: input.description ?? '',
      trigger_request_format: toWireFormat(input.trigger_request_format),
      call_request_format: toWireFormat(input.call_request_format),
    };
    const text = encodeOrThrow(frame, 'registerTriggerType');
    const entry: TriggerTypeEntry = {
      id: input.id,
      frame,
      handler: handler as TriggerTypeEntry['handler'],
      bindings: new Map(),
    };
    registry.triggerTypes.set(input.id, entry);
    sendRegistration(this.#ctx.conn, text);
    const typeId = input.id;
    const api = this.#api;
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

  /** See `III.unregisterTriggerType` for why nothing is sent (§7 item 1). */
  unregister(input: { id: string } | RegisterTriggerTypeInput): void {
    const { registry } = this.#ctx;
    const entry = registry.triggerTypes.get(input?.id);
    if (!entry) return;
    registry.triggerTypes.delete(entry.id);
    // Only bindings.ts records bindings, so when there are any it is loaded already.
    if (entry.bindings.size > 0) void bindings((m) => m.releaseBindings(this.#ctx, entry)).catch(this.#ctx.report);
  }
}
