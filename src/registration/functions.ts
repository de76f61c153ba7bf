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
      into: registry.functions,
    });
    return {
      id,
      unregister: () => {
        // Told only if the engine was: a registration still converting its formats never was.
        if (forget(registry.functions, entry, entry.rejectionListeners) && entry.frame) {
          link.submit('call', encodeFrame({ type: 'unregisterfunction', id }));
        }
      },
      get rejection() {
        return entry.rejection;
      },
      onRejected: (cb) => listen(entry.rejectionListeners, cb),
    };
  }

  registerTrigger(input: RegisterTriggerInput): Trigger {
    const { registry, link } = this.#ctx;
    link.assertUsable('registerTrigger');
    if (input === null || typeof input !== 'object') throw new TypeError('registerTrigger: expected an object');
    // `trigger_type`, the wire's and the listings' name, is accepted for `type` (iii-sdk passes it through).
    const type = notBlank('trigger type', input.type ?? (input as { trigger_type?: unknown }).trigger_type);
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
        trigger_type: type,
        function_id: input.function_id,
        config: input.config === undefined ? null : input.config,
        metadata: input.metadata,
        namespace: input.namespace ?? this.#ctx.namespace,
        trigger_namespace: input.trigger_namespace,
      }),
      entry,
      into: registry.triggers,
    });
    return {
      id,
      unregister: () => {
        if (forget(registry.triggers, entry, entry.errorListeners)) {
          link.submit('call', encodeFrame({ type: 'unregistertrigger', id, trigger_type: type }));
        }
      },
      get error() {
        return entry.error;
      },
      onError: (cb) => listen(entry.errorListeners, cb),
    };
  }
}

/** Removes `entry` from `map` if it is still the registered one (unregister is idempotent). */
function forget<E extends { id: string }>(map: Map<string, E>, entry: E, listeners: Set<unknown>): boolean {
  if (map.get(entry.id) !== entry) return false;
  map.delete(entry.id);
  listeners.clear();
  return true;
}

/** Adds a handle's listener; returns its unsubscribe. */
function listen<T>(listeners: Set<(value: T) => void>, callback: (value: T) => void): () => void {
  listeners.add(callback);
  return () => listeners.delete(callback);
}
