/**
 * This worker's functions and trigger bindings: registering them and withdrawing them (§3.2,
 * §3.7). The registry replays both on every reconnect; refusals.ts records the engine's refusals.
 */
import type { Connection } from '../connection/index.js';
import { encodeFrame, type OutboundRegisterTriggerFrame, type RegisterFunctionFrame } from '../protocol/index.js';
import type { FunctionEntry, TriggerEntry } from '../registry/index.js';
import { optionalName } from '../options.js';
import { requestSchema, toWireFormat, type AnySchema } from '../schema.js';
import type { FunctionHandler, FunctionRef, HttpInvocationConfig, RegisterFunctionOptions, RegisterTriggerInput, Trigger } from '../types.js';
import { encodeOrThrow, isHttpConfig, notBlank } from './arguments.js';
import type { ClientContext } from './context.js';
import { invocations } from './lazy-parts.js';

/** Not queued when offline: the registry replays it in the opening sequence (§2.4 item 4). */
export function sendRegistration(conn: Connection, text: string): void {
  if (conn.canSend) conn.send(text);
}

export type RegistrationsContext = Pick<ClientContext, 'platform' | 'options' | 'conn' | 'registry' | 'session'>;

export class Registrations {
  readonly #ctx: RegistrationsContext;

  constructor(ctx: RegistrationsContext) {
    this.#ctx = ctx;
  }

  registerFunction(
    id: string,
    handler: FunctionHandler | HttpInvocationConfig,
    options: RegisterFunctionOptions<AnySchema | undefined> = {},
  ): FunctionRef {
    const { registry, session } = this.#ctx;
    notBlank('function id', id);
    session.assertUsable('registerFunction');
    if (registry.functions.has(id)) throw new Error(`function "${id}" is already registered on this worker`);
    const http = isHttpConfig(handler);
    if (!http && typeof handler !== 'function') {
      throw new TypeError('registerFunction: expected a handler function or an HttpInvocationConfig with a url');
    }
    // Fields left undefined never reach the wire: JSON.stringify drops them (here and in replay).
    const frame: RegisterFunctionFrame = {
      type: 'registerfunction',
      id,
      description: options.description,
      request_format: toWireFormat(options.request_format ?? undefined),
      response_format: toWireFormat(options.response_format),
      metadata: options.metadata,
      invocation: http ? handler : undefined,
    };
    const text = encodeOrThrow(frame, 'registerFunction');
    const entry: FunctionEntry = { id, frame, rejectionListeners: new Set() };
    if (!http) {
      entry.run = handler as FunctionEntry['run'];
      entry.schema = requestSchema(options.request_format ?? undefined);
      // Fetch the invocation machinery now, so the engine's first call does not wait for it.
      void invocations(() => undefined).catch(() => undefined);
    }
    registry.functions.set(id, entry);
    sendRegistration(this.#ctx.conn, text);
    return {
      id,
      unregister: () => {
        if (registry.functions.get(id) !== entry) return;
        registry.functions.delete(id);
        entry.rejectionListeners.clear();
        session.sendOrQueue(encodeFrame({ type: 'unregisterfunction', id }));
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
    const { registry, session } = this.#ctx;
    session.assertUsable('registerTrigger');
    if (input === null || typeof input !== 'object') throw new TypeError('registerTrigger: expected an object');
    notBlank('trigger type', input.type);
    notBlank('function_id', input.function_id);
    optionalName('registerTrigger: namespace', input.namespace);
    optionalName('registerTrigger: trigger_namespace', input.trigger_namespace);
    const id = this.#ctx.platform.randomUUID();
    // Undefined fields are dropped by JSON.stringify; `config` is always sent (null when absent).
    const frame: OutboundRegisterTriggerFrame = {
      type: 'registertrigger',
      id,
      trigger_type: input.type,
      function_id: input.function_id,
      config: input.config === undefined ? null : input.config,
      metadata: input.metadata,
      namespace: input.namespace ?? this.#ctx.options.namespace,
      trigger_namespace: input.trigger_namespace,
    };
    const text = encodeOrThrow(frame, 'registerTrigger');
    const entry: TriggerEntry = { id, frame, errorListeners: new Set() };
    registry.triggers.set(id, entry);
    sendRegistration(this.#ctx.conn, text);
    return {
      id,
      unregister: () => {
        if (registry.triggers.get(id) !== entry) return;
        registry.triggers.delete(id);
        entry.errorListeners.clear();
        session.sendOrQueue(encodeFrame({ type: 'unregistertrigger', id, trigger_type: input.type }));
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
