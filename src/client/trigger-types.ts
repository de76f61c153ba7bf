/**
 * The provider side of trigger types (§3.7): registering a type, the bindings the engine
 * delivers to it and removes from it, the acks, and withdrawing the type.
 */
import { ErrorCode } from '../errors.js';
import { encodeFrame, type InboundRegisterTriggerFrame, type InboundUnregisterTriggerFrame } from '../protocol/index.js';
import type { Binding, TriggerTypeEntry } from '../registry/index.js';
import { toWireFormat } from '../schema.js';
import type { RegisterTriggerTypeInput, TriggerHandler, TriggerTypeRef } from '../types.js';
import { encodeOrThrow, notBlank } from './arguments.js';
import { errorMessage, type ClientContext, type WorkerApi } from './context.js';
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
    const bindings = [...entry.bindings.values()];
    entry.bindings.clear();
    for (const binding of bindings) void this.#callQuietly(() => entry.handler.unregisterTrigger(binding));
  }

  /** The engine hands us a binding of a type we provide; we answer with an ack (§3.7). */
  async onBindingDelivered(frame: InboundRegisterTriggerFrame): Promise<void> {
    const ack = (error?: { code: string; message: string }) => {
      this.#ctx.conn.send(
        encodeFrame({
          type: 'triggerregistrationresult',
          id: frame.id,
          trigger_type: frame.trigger_type,
          function_id: frame.function_id,
          error, // undefined (dropped by JSON.stringify) for a success
        }),
      );
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
      if (previous) await this.#callQuietly(() => type.handler.unregisterTrigger(previous));
      await type.handler.registerTrigger(binding);
      ack();
    } catch (err) {
      if (type.bindings.get(frame.id) === binding) type.bindings.delete(frame.id);
      ack({ code: ErrorCode.TriggerRegistrationFailed, message: errorMessage(err) });
    }
  }

  /** The engine's `unregistertrigger` carries only the binding id; its type is a hint (§2.3). */
  onBindingRemoved(frame: InboundUnregisterTriggerFrame): void {
    const found = this.#ctx.registry.findBinding(frame.id, frame.trigger_type);
    if (!found) return;
    found.type.bindings.delete(frame.id);
    void this.#callQuietly(() => found.type.handler.unregisterTrigger(found.binding));
  }

  /** Runs a provider callback; what it throws or rejects with becomes the `'error'` event. */
  async #callQuietly(fn: () => unknown): Promise<void> {
    try {
      await fn();
    } catch (err) {
      this.#ctx.report(err);
    }
  }
}
