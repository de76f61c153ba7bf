/**
 * This worker's functions and trigger bindings: registering them and withdrawing them (§3.2,
 * §3.7). The registry keeps them for the replay of every opening sequence; refusals.ts records
 * the engine's refusals on their handles.
 */
import { isHttpConfig, notBlank, optionalName } from '../arguments.js';
import { encodeFrame, type OutboundRegisterTriggerFrame, type RegisterFunctionFrame } from '../protocol/index.js';
import type { AnySchema } from '../schema.js';
import type { FunctionHandler, FunctionRef, HttpInvocationConfig, RegisterFunctionOptions, RegisterTriggerInput, Trigger } from '../types.js';
import type { Announcer } from './announce.js';
import type { RegistrationContext } from './context.js';
import { requestSchema } from './formats.js';
import type { FunctionEntry, TriggerEntry } from './registry.js';

export class Functions {
  readonly #ctx: RegistrationContext;
  readonly #announcer: Announcer;

  constructor(ctx: RegistrationContext, announcer: Announcer) {
    this.#ctx = ctx;
    this.#announcer = announcer;
  }

  registerFunction(
    id: string,
    handler: FunctionHandler | HttpInvocationConfig,
    options: RegisterFunctionOptions<AnySchema | undefined> = {},
  ): FunctionRef {
    const { registry, link } = this.#ctx;
    notBlank('function id', id);
    link.assertUsable('registerFunction');
    if (registry.functions.has(id)) throw new Error(`function "${id}" is already registered on this worker`);
    const http = isHttpConfig(handler);
    if (!http && typeof handler !== 'function') {
      throw new TypeError('registerFunction: expected a handler function or an HttpInvocationConfig with a url');
    }
    const entry: FunctionEntry = { id, rejectionListeners: new Set() };
    if (!http) {
      entry.run = handler as FunctionEntry['run'];
      entry.schema = requestSchema(options.request_format ?? undefined);
    }
    this.#announcer.announce({
      what: `registerFunction("${id}")`,
      formats: { request_format: options.request_format ?? undefined, response_format: options.response_format },
      // Fields left undefined never reach the wire: JSON.stringify drops them (here and in replay).
      build: (wire): RegisterFunctionFrame => ({
        type: 'registerfunction',
        id,
        description: options.description,
        request_format: wire.request_format,
        response_format: wire.response_format,
        metadata: options.metadata,
        invocation: http ? handler : undefined,
      }),
      entry,
      store: () => registry.functions.set(id, entry),
      isCurrent: () => registry.functions.get(id) === entry,
    });
    return {
      id,
      unregister: () => {
        if (registry.functions.get(id) !== entry) return;
        registry.functions.delete(id);
        entry.rejectionListeners.clear();
        // Only if the engine was told: a registration still converting its formats never was.
        if (entry.frame) link.submit('call', encodeFrame({ type: 'unregisterfunction', id }));
      },
      get rejection() {
        return entry.rejection;
      },
      onRejected: (cb) => {
        entry.rejectionListeners.add(cb);
        return () => entry.rejectionListeners.delete(cb);
      },
    };
  }

  registerTrigger(input: RegisterTriggerInput): Trigger {
    const { registry, link } = this.#ctx;
    link.assertUsable('registerTrigger');
    if (input === null || typeof input !== 'object') throw new TypeError('registerTrigger: expected an object');
    notBlank('trigger type', input.type);
    notBlank('function_id', input.function_id);
    optionalName('registerTrigger: namespace', input.namespace);
    optionalName('registerTrigger: trigger_namespace', input.trigger_namespace);
    const id = this.#ctx.platform.randomUUID();
    const entry: TriggerEntry = { id, errorListeners: new Set() };
    this.#announcer.announce({
      what: 'registerTrigger',
      formats: {},
      // `config` is always sent (null when absent, §7 item 16).
      build: (): OutboundRegisterTriggerFrame => ({
        type: 'registertrigger',
        id,
        trigger_type: input.type,
        function_id: input.function_id,
        config: input.config === undefined ? null : input.config,
        metadata: input.metadata,
        namespace: input.namespace ?? this.#ctx.namespace,
        trigger_namespace: input.trigger_namespace,
      }),
      entry,
      store: () => registry.triggers.set(id, entry),
      isCurrent: () => registry.triggers.get(id) === entry,
    });
    return {
      id,
      unregister: () => {
        if (registry.triggers.get(id) !== entry) return;
        registry.triggers.delete(id);
        entry.errorListeners.clear();
        link.submit('call', encodeFrame({ type: 'unregistertrigger', id, trigger_type: input.type }));
      },
      get error() {
        return entry.error;
      },
      onError: (cb) => {
        entry.errorListeners.add(cb);
        return () => entry.errorListeners.delete(cb);
      },
    };
  }
}
