/**
 * The worker client: wires the connection, the pending-call table, the registry and the
 * channels together (the feature folders never import each other, DESIGN.md "Layout").
 */
import { EventEmitter } from 'eventemitter3';
import { ChannelReader, ChannelWriter, materializeChannelRefs } from './channels/index.js';
import type { StreamChannelRef } from './channels/ref.js';
import { Connection, Outbox, transportFromConstructor, type IIIConnectionState, type StateChange } from './connection/index.js';
import { ErrorCode, IIIInvocationError, RegistrationRejectedError } from './errors.js';
import { toFunctionInfos, toTriggerInfos, toWorkerInfos, type FunctionInfo, type TriggerInfo, type WorkerInfo } from './info.js';
import { PendingCalls } from './invocation/index.js';
import { Logger } from './logger.js';
import { resolveOptions, type InitOptions, type ResolvedOptions } from './options.js';
import type { Platform } from './platform.js';
import {
  decodeFrame,
  encodeFrame,
  type InboundFrame,
  type InboundInvokeFrame,
  type InboundRegisterTriggerFrame,
  type InboundUnregisterTriggerFrame,
  type OutboundFrame,
  type OutboundInvokeFrame,
  type OutboundRegisterTriggerFrame,
  type RegisterFunctionFrame,
  type RegistrationRejectedFrame,
  type TriggerRegistrationResultFrame,
} from './protocol/index.js';
import { Registry, type Binding, type FunctionEntry, type TriggerEntry, type TriggerTypeEntry } from './registry/index.js';
import { makeValidator, toWireFormat, type AnySchema } from './schema.js';
import type {
  EnqueueResult,
  FunctionHandler,
  FunctionRef,
  HttpInvocationConfig,
  InputOf,
  InvocationContext,
  JsonValue,
  RegisterFunctionOptions,
  RegisterTriggerInput,
  RegisterTriggerTypeInput,
  Trigger,
  TriggerHandler,
  TriggerRequest,
  TriggerTypeRef,
} from './types.js';
import { SDK_VERSION } from './version.js';

/** Typed events of the client (eventemitter3). */
export interface IIIEvents {
  /** Every connection state change, and every scheduled retry while `reconnecting`. */
  state: [change: StateChange];
  /** The engine accepted the connection (`workerregistered`). */
  connected: [info: { workerId: string }];
  /** An inbound frame failed validation and was dropped (§3.14). */
  'protocol-error': [info: { message: string; frame: string }];
  /** The engine refused a function id (`FUNCTION_NAMESPACE_CONFLICT`, §3.12). */
  'function-rejected': [error: RegistrationRejectedError];
  /** The engine or a provider refused one of this worker's bindings (§3.7). */
  'trigger-failed': [info: { id: string; trigger_type: string; function_id: string; error: IIIInvocationError }];
  /** The engine refused the connection's credentials (§1.3). */
  'auth-error': [error: IIIInvocationError];
  /** The client stopped for good; `getFatalError()` returns the same error. */
  fatal: [error: IIIInvocationError];
  /** A user callback (trigger-type handler, functions-available callback) threw. */
  error: [error: Error];
}

export type ConnectionStateListener = (state: IIIConnectionState, change: StateChange) => void;

/** Optional dependencies a platform entry may override. */
export interface ClientDeps {
  ChannelReader?: new (base: string, ref: StreamChannelRef, options: { platform: Platform }) => unknown;
  ChannelWriter?: new (base: string, ref: StreamChannelRef, options: { platform: Platform }) => unknown;
}

/** Result of `createChannel()`. */
export interface Channel {
  reader: ChannelReader;
  writer: ChannelWriter;
  readerRef: StreamChannelRef;
  writerRef: StreamChannelRef;
}

const ENGINE_PREFIX = 'engine::';

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function notBlank(name: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new TypeError(`${name} must be a non-empty string, got ${JSON.stringify(value)}`);
  }
  return value;
}

function blankNamespace(field: string, value: unknown): boolean {
  return value !== undefined && (typeof value !== 'string' || value.trim() === '');
}

function isHttpConfig(value: unknown): value is HttpInvocationConfig {
  return value !== null && typeof value === 'object' && typeof (value as { url?: unknown }).url === 'string';
}

export class III {
  /** Sends `engine::log::*` and mirrors to the console. */
  readonly logger: Logger;
  readonly #platform: Platform;
  readonly #o: ResolvedOptions;
  readonly #deps: ClientDeps;
  readonly #emitter = new EventEmitter<IIIEvents>();
  readonly #stateListeners = new Set<ConnectionStateListener>();
  readonly #registry = new Registry();
  readonly #pending: PendingCalls;
  readonly #outbox = new Outbox();
  readonly #conn: Connection;
  /** SDK diagnostics: console only, never sent to the engine. */
  readonly #diag: Logger;
  #workerId: string | undefined;
  #reattachToken: string | undefined;
  #fatal: IIIInvocationError | undefined;
  #shutdown: Promise<void> | undefined;

  constructor(platform: Platform, address: string | undefined, options: InitOptions = {}, deps: ClientDeps = {}) {
    this.#platform = platform;
    this.#o = resolveOptions(platform, address, options);
    this.#deps = deps;
    const sink = platform.console ?? globalThis.console;
    this.#diag = new Logger({ level: this.#o.logLevel, console: sink });
    this.logger = new Logger({
      level: this.#o.logLevel,
      console: sink,
      prefix: `[${this.#o.workerName}]`,
      forward: (level, msg, data) => this.#sendLog(level, msg, data),
    });
    this.#pending = new PendingCalls(platform);
    this.#conn = new Connection(
      {
        url: this.#o.address,
        headers: this.#o.headers,
        platform,
        transport: this.#o.WebSocket ? transportFromConstructor(this.#o.WebSocket) : platform.connect,
        reconnect: this.#o.reconnect,
        heartbeat: this.#o.heartbeat,
        handshakeTimeoutMs: this.#o.handshakeTimeoutMs,
      },
      {
        onOpen: () => this.#onOpen(),
        onFrame: (data) => this.#onFrame(data),
        onSocketLost: (error) => this.#onSocketLost(error),
        onState: (change) => this.#onState(change),
      },
    );
    this.#conn.start();
  }

  // ---------------------------------------------------------------- connection

  get connectionState(): IIIConnectionState {
    return this.#conn.state;
  }

  /** The worker id the engine assigned to the current (or last) connection. */
  get workerId(): string | undefined {
    return this.#workerId;
  }

  /** Calls `listener(state, change)` on every state change; returns an unsubscribe function. */
  addConnectionStateListener(listener: ConnectionStateListener): () => void {
    this.#stateListeners.add(listener);
    return () => this.#stateListeners.delete(listener);
  }

  on<E extends keyof IIIEvents>(event: E, listener: (...args: IIIEvents[E]) => void): this {
    this.#emitter.on(event, listener as never);
    return this;
  }

  once<E extends keyof IIIEvents>(event: E, listener: (...args: IIIEvents[E]) => void): this {
    this.#emitter.once(event, listener as never);
    return this;
  }

  off<E extends keyof IIIEvents>(event: E, listener?: (...args: IIIEvents[E]) => void): this {
    this.#emitter.off(event, listener as never);
    return this;
  }

  /**
   * Resolves once the engine has accepted the connection (`workerregistered`); rejects if the
   * client fails or shuts down first. The worker-name check runs after that frame (§1.2), so a
   * `WORKER_NAMESPACE_CONFLICT` can still follow: it arrives as the `'fatal'` event and state `failed`.
   */
  ready(): Promise<void> {
    if (this.#conn.state === 'connected') return Promise.resolve();
    if (this.#fatal) return Promise.reject(this.#fatal);
    if (this.#shutdown) return Promise.reject(this.#shutdownError());
    return new Promise<void>((resolve, reject) => {
      const off = this.addConnectionStateListener((state) => {
        if (state === 'connected') {
          off();
          resolve();
        } else if (state === 'failed') {
          off();
          reject(this.#fatal);
        } else if (state === 'disconnected' && this.#shutdown) {
          off();
          reject(this.#shutdownError());
        }
      });
    });
  }

  /** Why the client stopped for good (`failed`), if it did. */
  getFatalError(): IIIInvocationError | undefined {
    return this.#fatal;
  }

  #onState(change: StateChange): void {
    if (change.state === 'failed' && !this.#fatal) {
      // Retries exhausted: nothing will ever answer the calls still waiting.
      this.#setFatal(
        new IIIInvocationError({
          code: ErrorCode.ConnectionFailed,
          message: change.error?.message ?? 'connection failed',
          cause: change.error,
        }),
      );
    }
    if (change.state === 'reconnecting' && change.error) {
      this.#diag.debug(`reconnecting in ${change.delayMs ?? 0}ms: ${change.error.message}`);
    }
    this.#emitter.emit('state', change);
    for (const listener of [...this.#stateListeners]) {
      try {
        listener(change.state, change);
      } catch (err) {
        this.#emitter.emit('error', err instanceof Error ? err : new Error(String(err)));
      }
    }
  }

  #setFatal(error: IIIInvocationError): void {
    this.#fatal = error;
    this.#outbox.clear();
    this.#pending.rejectAll(() => error);
    this.#emitter.emit('fatal', error);
  }

  /** The opening sequence of every (re)connect, in the order of §2.4 item 4. */
  #onOpen(): void {
    const send = (frame: OutboundFrame) => this.#conn.send(encodeFrame(frame));
    if (this.#workerId && this.#reattachToken) {
      // Retires a half-open previous connection so our own stale leases don't conflict (§3.11).
      send({ type: 'reattach', previous_worker_id: this.#workerId, reattach_token: this.#reattachToken });
    }
    send(this.#announceFrame());
    for (const frame of this.#registry.replay()) send(frame);
    // Queued calls wait for `workerregistered` (see #onRegistered): a socket that fails its
    // handshake (auth, timeout) must not take them down with it as CONNECTION_LOST.
  }

  #onRegistered(workerId: string, token: string | undefined): void {
    this.#workerId = workerId;
    this.#reattachToken = token;
    this.#conn.markRegistered();
    this.#outbox.drain((frame) => this.#conn.send(frame));
    this.#emitter.emit('connected', { workerId });
  }

  #announceFrame(): OutboundInvokeFrame {
    const info = this.#platform.runtimeInfo();
    const data: Record<string, unknown> = {
      runtime: info.runtime,
      version: SDK_VERSION,
      name: this.#o.workerName,
      isolation: this.#platform.env('III_ISOLATION') ?? null,
    };
    if (this.#o.workerDescription !== undefined) data.description = this.#o.workerDescription;
    if (info.os !== undefined) data.os = info.os;
    if (info.pid !== undefined) data.pid = info.pid;
    if (this.#o.namespace !== undefined) data.namespace = this.#o.namespace;
    // Void, like the official SDKs (§1.2): a name conflict arrives as `registrationrejected`.
    return { type: 'invokefunction', function_id: 'engine::workers::register', data, action: { type: 'void' } };
  }

  #onSocketLost(error: Error): void {
    // Calls written on that socket can never be answered (§3.13); queued ones wait (§3.5).
    this.#pending.rejectSent(
      (functionId) =>
        new IIIInvocationError({
          code: ErrorCode.ConnectionLost,
          message: `connection lost before ${functionId} answered: ${error.message}`,
          function_id: functionId,
          cause: error,
        }),
    );
  }

  // ---------------------------------------------------------------- inbound

  #onFrame(data: string | Uint8Array): void {
    const decoded = decodeFrame(data);
    if (decoded.kind === 'frame') {
      try {
        this.#dispatch(decoded.frame);
      } catch (err) {
        // A bug of ours or a user callback: report, never crash the worker.
        this.#emitter.emit('error', err instanceof Error ? err : new Error(String(err)));
      }
    } else if (decoded.kind === 'invalid') {
      const text = typeof data === 'string' ? data : `<${data.byteLength} bytes>`;
      this.#diag.warn(`dropped a frame: ${decoded.message}`);
      this.#emitter.emit('protocol-error', { message: decoded.message, frame: text.slice(0, 500) });
    }
  }

  #dispatch(frame: InboundFrame): void {
    switch (frame.type) {
      case 'invocationresult':
        if (!this.#pending.resolveFrame(frame) && frame.error) this.#onUnmatchedError(frame.function_id, frame.error);
        return;
      case 'invokefunction':
        this.#onInvoke(frame);
        return;
      case 'workerregistered':
        this.#onRegistered(frame.worker_id, frame.reattach_token ?? undefined);
        return;
      case 'registrationrejected':
        this.#onRejected(frame);
        return;
      case 'registertrigger':
        void this.#onBindingDelivered(frame);
        return;
      case 'unregistertrigger':
        this.#onBindingRemoved(frame);
        return;
      case 'triggerregistrationresult':
        this.#onTriggerResult(frame);
        return;
      case 'error':
        this.#onAuthError(frame.error.code, frame.error.message);
        return;
      case 'pong':
        return; // Its arrival already moved the idle deadline.
    }
  }

  /**
   * An error result nobody waits for: a late answer after a timeout, or the engine refusing a
   * void call (RBAC answers even those, §3.3 step 2). A refused announce matters: say so.
   */
  #onUnmatchedError(functionId: string, body: { code: string; message: string }): void {
    if (functionId === 'engine::workers::register') {
      const error = new IIIInvocationError({ code: body.code, message: `worker announcement refused: ${body.code}: ${body.message}`, function_id: functionId });
      this.#diag.error(error.message);
      this.#emitter.emit('error', error);
      return;
    }
    this.#diag.debug(`unmatched error result for ${functionId}: ${body.code}: ${body.message}`);
  }

  #onRejected(frame: RegistrationRejectedFrame): void {
    if (frame.code === 'FUNCTION_NAMESPACE_CONFLICT') {
      const fid = frame.function_id ?? '';
      const owner = frame.owner_worker_id ? `worker ${frame.owner_worker_id}` : 'the engine (reserved engine:: prefix)';
      const error = new RegistrationRejectedError({
        code: frame.code,
        message: `${frame.code}: function "${fid}" in namespace "${frame.namespace}" is already owned by ${owner}`,
        function_id: fid,
        namespace: frame.namespace,
        owner_worker_id: frame.owner_worker_id,
      });
      const entry = this.#registry.functions.get(fid);
      if (entry) {
        entry.rejection = error;
        for (const cb of [...entry.rejectionListeners]) this.#safely(() => cb(error));
      }
      this.#diag.warn(error.message);
      this.#emitter.emit('function-rejected', error);
      return;
    }
    // WORKER_NAMESPACE_CONFLICT and any code we don't know are fatal (§3.12).
    const error = new RegistrationRejectedError({
      code: frame.code,
      message: `${frame.code}: registration rejected for worker "${frame.worker_name ?? this.#o.workerName}" in namespace "${frame.namespace}" (already owned by worker ${frame.owner_worker_id})`,
      namespace: frame.namespace,
      owner_worker_id: frame.owner_worker_id,
      worker_name: frame.worker_name ?? undefined,
    });
    this.#diag.error(error.message);
    this.#setFatal(error);
    this.#conn.fail(error);
  }

  #onAuthError(code: string, msg: string): void {
    const error = new IIIInvocationError({ code: ErrorCode.AuthError, message: `${code}: ${msg}` });
    this.#diag.error(`the engine refused the credentials: ${msg}`);
    this.#emitter.emit('auth-error', error);
    if (this.#o.onAuthError === 'stop') {
      this.#setFatal(error);
      this.#conn.fail(error);
      return;
    }
    // Without this, calls would only end by timeout (§7 item 3): tell them why now.
    this.#pending.rejectAll(
      (functionId) => new IIIInvocationError({ code: ErrorCode.AuthError, message: error.message, function_id: functionId }),
    );
    this.#conn.drop(error);
  }

  #onInvoke(frame: InboundInvokeFrame): void {
    const id = frame.invocation_id ?? undefined;
    const entry = this.#registry.functions.get(frame.function_id);
    if (!entry) {
      this.#reply(id, frame.function_id, { error: { code: ErrorCode.FunctionNotFound, message: 'Function not found' } });
      return;
    }
    if (!entry.run) {
      this.#reply(id, frame.function_id, {
        error: {
          code: ErrorCode.FunctionNotInvokable,
          message: `Function ${frame.function_id} is HTTP-invoked: the engine calls its URL, not this worker`,
        },
      });
      return;
    }
    void this.#runHandler(entry, frame, id);
  }

  async #runHandler(entry: FunctionEntry, frame: InboundInvokeFrame, id: string | undefined): Promise<void> {
    let data: unknown = frame.data === undefined ? null : frame.data;
    const callerWorkerId =
      data !== null && typeof data === 'object' && typeof (data as Record<string, unknown>)._caller_worker_id === 'string'
        ? ((data as Record<string, unknown>)._caller_worker_id as string)
        : undefined;
    try {
      if (entry.validate) {
        // The engine's injected caller id (§3.3) is not part of the caller's payload: a strict
        // schema must not trip over it. It stays available as `context.callerWorkerId`.
        let input = data;
        if (callerWorkerId !== undefined) {
          const { _caller_worker_id: _, ...rest } = data as Record<string, unknown>;
          input = rest;
        }
        const checked = entry.validate(input);
        if (!checked.ok) {
          this.#reply(id, frame.function_id, {
            error: { code: ErrorCode.ValidationFailed, message: `invalid payload for ${frame.function_id}: ${checked.message}` },
          });
          return;
        }
        data = checked.value;
      }
      data = materializeChannelRefs(data, (ref) => this.#openChannelEnd(ref));
      const context: InvocationContext = {
        invocationId: id,
        functionId: frame.function_id,
        traceparent: frame.traceparent ?? undefined,
        baggage: frame.baggage ?? undefined,
        callerWorkerId,
      };
      const run = () => entry.run!(data, frame.metadata ?? undefined, context);
      const extract = this.#o.propagator?.extract;
      const value = await (extract
        ? extract.call(this.#o.propagator, { traceparent: context.traceparent, baggage: context.baggage }, run)
        : run());
      this.#reply(id, frame.function_id, { result: value });
    } catch (err) {
      this.#reply(id, frame.function_id, {
        error: {
          code: ErrorCode.InvocationFailed,
          message: message(err),
          stacktrace: err instanceof Error ? err.stack : undefined,
        },
      });
    }
  }

  #openChannelEnd(ref: StreamChannelRef): unknown {
    const options = { platform: this.#platform };
    if (ref.direction === 'read') {
      const Reader = this.#deps.ChannelReader ?? ChannelReader;
      return new Reader(this.#o.address, ref, options);
    }
    const Writer = this.#deps.ChannelWriter ?? ChannelWriter;
    return new Writer(this.#o.address, ref, options);
  }

  /** Answers an engine invocation (§3.3); nothing when it carried no id. */
  #reply(
    id: string | undefined,
    functionId: string,
    outcome: { result: unknown } | { error: { code: string; message: string; stacktrace?: string } },
  ): void {
    if (id === undefined) return;
    let text: string;
    try {
      const frame =
        'error' in outcome
          ? { type: 'invocationresult' as const, invocation_id: id, function_id: functionId, error: outcome.error }
          : outcome.result === undefined
            ? { type: 'invocationresult' as const, invocation_id: id, function_id: functionId }
            : { type: 'invocationresult' as const, invocation_id: id, function_id: functionId, result: outcome.result };
      text = encodeFrame(frame);
    } catch (err) {
      text = encodeFrame({
        type: 'invocationresult',
        invocation_id: id,
        function_id: functionId,
        error: { code: ErrorCode.InvocationFailed, message: `result is not JSON-serializable: ${message(err)}` },
      });
    }
    // A reply for a socket that is gone has nobody to reach: the engine halted the call (§3.13).
    this.#conn.send(text);
  }

  async #onBindingDelivered(frame: InboundRegisterTriggerFrame): Promise<void> {
    const ack = (error?: { code: string; message: string }) => {
      this.#conn.send(
        encodeFrame({
          type: 'triggerregistrationresult',
          id: frame.id,
          trigger_type: frame.trigger_type,
          function_id: frame.function_id,
          ...(error ? { error } : {}),
        }),
      );
    };
    const type = this.#registry.triggerTypes.get(frame.trigger_type);
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
      ack({ code: ErrorCode.TriggerRegistrationFailed, message: message(err) });
    }
  }

  #onBindingRemoved(frame: InboundUnregisterTriggerFrame): void {
    const found = this.#registry.findBinding(frame.id, frame.trigger_type);
    if (!found) return;
    found.type.bindings.delete(frame.id);
    void this.#callQuietly(() => found.type.handler.unregisterTrigger(found.binding));
  }

  #onTriggerResult(frame: TriggerRegistrationResultFrame): void {
    if (!frame.error) return;
    const { code, message: msg, stacktrace } = frame.error;
    const error = IIIInvocationError.fromBody({ code, message: msg, stacktrace: stacktrace ?? undefined }, frame.function_id);
    const entry = this.#registry.triggers.get(frame.id);
    if (entry) {
      entry.error = error;
      for (const cb of [...entry.errorListeners]) this.#safely(() => cb(error));
    }
    this.#diag.warn(`trigger ${frame.id} (${frame.trigger_type} → ${frame.function_id}) refused: ${code}: ${msg}`);
    this.#emitter.emit('trigger-failed', { id: frame.id, trigger_type: frame.trigger_type, function_id: frame.function_id, error });
  }

  async #callQuietly(fn: () => unknown): Promise<void> {
    try {
      await fn();
    } catch (err) {
      this.#emitter.emit('error', err instanceof Error ? err : new Error(String(err)));
    }
  }

  #safely(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#emitter.emit('error', err instanceof Error ? err : new Error(String(err)));
    }
  }

  // ---------------------------------------------------------------- outbound

  /** Sends now when the engine has accepted the socket, else queues for the next connection. */
  #sendOrQueue(text: string, isLive?: () => boolean, onSent?: () => void): void {
    if (this.#conn.isRegistered && this.#conn.send(text)) {
      onSent?.();
      return;
    }
    if (this.#fatal || this.#shutdown) return;
    this.#outbox.push(text, isLive, onSent);
  }

  #assertUsable(what: string): void {
    if (this.#shutdown) throw new Error(`${what}: the client was shut down`);
    if (this.#fatal) throw new Error(`${what}: the client has failed: ${this.#fatal.message}`);
  }

  /**
   * Registers a function. The handler gets `(data, metadata, context)`. With a valibot
   * `request_format`, every inbound payload is validated first (a failure answers the caller
   * `VALIDATION_FAILED` and the handler does not run) and `data` is typed by the schema.
   * An `HttpInvocationConfig` instead of a handler registers an HTTP-invoked function (§3.2).
   */
  registerFunction<TSchema extends AnySchema | undefined = undefined, TOutput = unknown>(
    id: string,
    handler: FunctionHandler<InputOf<TSchema>, TOutput> | HttpInvocationConfig,
    options: RegisterFunctionOptions<TSchema> = {},
  ): FunctionRef {
    notBlank('function id', id);
    this.#assertUsable('registerFunction');
    if (this.#registry.functions.has(id)) throw new Error(`function "${id}" is already registered on this worker`);
    const http = isHttpConfig(handler);
    if (!http && typeof handler !== 'function') {
      throw new TypeError('registerFunction: expected a handler function or an HttpInvocationConfig with a url');
    }
    const frame: RegisterFunctionFrame = { type: 'registerfunction', id };
    if (options.description !== undefined) frame.description = options.description;
    const request = toWireFormat(options.request_format ?? undefined);
    if (request !== undefined) frame.request_format = request;
    const response = toWireFormat(options.response_format);
    if (response !== undefined) frame.response_format = response;
    if (options.metadata !== undefined) frame.metadata = options.metadata;
    if (http) frame.invocation = handler;
    const text = this.#encodeOrThrow(frame, 'registerFunction');
    const entry: FunctionEntry = {
      id,
      frame,
      rejectionListeners: new Set(),
    };
    if (!http) {
      entry.run = handler as FunctionEntry['run'];
      entry.validate = makeValidator(options.request_format ?? undefined);
    }
    this.#registry.functions.set(id, entry);
    // Not queued when offline: the registry replays it in the opening sequence.
    if (this.#conn.canSend) this.#conn.send(text);
    const registry = this.#registry;
    return {
      id,
      unregister: () => {
        if (registry.functions.get(id) !== entry) return;
        registry.functions.delete(id);
        entry.rejectionListeners.clear();
        this.#sendOrQueue(encodeFrame({ type: 'unregisterfunction', id }));
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

  /** Binds `function_id` to a trigger type; drop it with `trigger.unregister()`. */
  registerTrigger(input: RegisterTriggerInput): Trigger {
    this.#assertUsable('registerTrigger');
    if (input === null || typeof input !== 'object') throw new TypeError('registerTrigger: expected an object');
    notBlank('trigger type', input.type);
    notBlank('function_id', input.function_id);
    if (blankNamespace('namespace', input.namespace)) throw new TypeError('registerTrigger: namespace is blank: give it a name, or omit it');
    if (blankNamespace('trigger_namespace', input.trigger_namespace)) {
      throw new TypeError('registerTrigger: trigger_namespace is blank: give it a name, or omit it');
    }
    const id = this.#platform.randomUUID();
    const frame: OutboundRegisterTriggerFrame = {
      type: 'registertrigger',
      id,
      trigger_type: input.type,
      function_id: input.function_id,
      config: input.config === undefined ? null : input.config,
    };
    if (input.metadata !== undefined) frame.metadata = input.metadata;
    const namespace = input.namespace ?? this.#o.namespace;
    if (namespace !== undefined) frame.namespace = namespace;
    if (input.trigger_namespace !== undefined) frame.trigger_namespace = input.trigger_namespace;
    const text = this.#encodeOrThrow(frame, 'registerTrigger');
    const entry: TriggerEntry = { id, frame, errorListeners: new Set() };
    this.#registry.triggers.set(id, entry);
    if (this.#conn.canSend) this.#conn.send(text);
    const registry = this.#registry;
    return {
      id,
      unregister: () => {
        if (registry.triggers.get(id) !== entry) return;
        registry.triggers.delete(id);
        entry.errorListeners.clear();
        this.#sendOrQueue(encodeFrame({ type: 'unregistertrigger', id, trigger_type: input.type }));
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

  /**
   * Becomes the provider of a trigger type (§3.7). The handler's `registerTrigger(binding)` runs
   * for every binding the engine delivers (throw to refuse it: `trigger_registration_failed`)
   * and `unregisterTrigger(binding)` when it goes; the SDK remembers each binding because the
   * engine's `unregistertrigger` carries only its id (§2.3).
   */
  registerTriggerType<TConfig = unknown>(input: RegisterTriggerTypeInput, handler: TriggerHandler<TConfig>): TriggerTypeRef<TConfig> {
    this.#assertUsable('registerTriggerType');
    notBlank('trigger type id', input?.id);
    if (!handler || typeof handler.registerTrigger !== 'function' || typeof handler.unregisterTrigger !== 'function') {
      throw new TypeError('registerTriggerType: the handler needs registerTrigger(binding) and unregisterTrigger(binding)');
    }
    if (this.#registry.triggerTypes.has(input.id)) throw new Error(`trigger type "${input.id}" is already registered on this worker`);
    const frame = {
      type: 'registertriggertype' as const,
      id: input.id,
      description: input.description ?? '',
      ...(input.trigger_request_format !== undefined ? { trigger_request_format: toWireFormat(input.trigger_request_format) } : {}),
      ...(input.call_request_format !== undefined ? { call_request_format: toWireFormat(input.call_request_format) } : {}),
    };
    const text = this.#encodeOrThrow(frame, 'registerTriggerType');
    const entry: TriggerTypeEntry = {
      id: input.id,
      frame,
      handler: handler as TriggerTypeEntry['handler'],
      bindings: new Map(),
    };
    this.#registry.triggerTypes.set(input.id, entry);
    if (this.#conn.canSend) this.#conn.send(text);
    const typeId = input.id;
    return {
      id: typeId,
      registerTrigger: (functionId, config, metadata) =>
        this.registerTrigger({ type: typeId, function_id: functionId, config, metadata }),
      registerFunction: (functionId, fn, config, metadata) => {
        const ref = this.registerFunction(functionId, fn);
        const trigger = this.registerTrigger({ type: typeId, function_id: functionId, config, metadata });
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
      unregister: () => this.unregisterTriggerType({ id: typeId }),
    };
  }

  /**
   * Stops providing a trigger type.
   *
   * The engine has no `unregistertriggertype` message (§7 item 1: the official SDKs send one and
   * the engine drops it), and keeps the type until this connection ends. So this SDK sends
   * nothing and instead, at once:
   * - calls the handler's `unregisterTrigger` for every live binding of the type and forgets them;
   * - answers every binding the engine delivers from now on with `trigger_type_not_found`; the
   *   engine then parks the binding and tells its originator (a `triggerregistrationresult`
   *   error, §3.7), and re-delivers it if a provider registers the type again (§8 item 28);
   * - leaves the type out of the replay set, so after the next reconnect the engine forgets it
   *   too (and re-resolves its bindings to another provider, if any).
   * Until that reconnect, `engine::triggers::list` still shows the type.
   */
  unregisterTriggerType(input: { id: string } | RegisterTriggerTypeInput): void {
    const entry = this.#registry.triggerTypes.get(input?.id);
    if (!entry) return;
    this.#registry.triggerTypes.delete(entry.id);
    const bindings = [...entry.bindings.values()];
    entry.bindings.clear();
    for (const binding of bindings) void this.#callQuietly(() => entry.handler.unregisterTrigger(binding));
  }

  /**
   * Calls a function and returns its value; `TriggerAction.Void()` resolves `undefined` at once;
   * `TriggerAction.Enqueue({queue})` resolves an `EnqueueResult`. Every rejection is an
   * `IIIInvocationError` with a code, except an abort, which rejects with `signal.reason`.
   * Calls made while disconnected wait for the next connection; their timeout runs from now.
   */
  trigger<TOutput = any, TInput = unknown>(request: TriggerRequest<TInput> & { action: { type: 'void' } }): Promise<undefined>;
  trigger<TOutput = any, TInput = unknown>(request: TriggerRequest<TInput> & { action: { type: 'enqueue'; queue: string } }): Promise<EnqueueResult>;
  trigger<TOutput = any, TInput = unknown>(request: TriggerRequest<TInput>): Promise<TOutput>;
  trigger(request: TriggerRequest): Promise<unknown> {
    try {
      return this.#trigger(request);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  #trigger(request: TriggerRequest): Promise<unknown> {
    const invalid = (msg: string, code: string = ErrorCode.InvalidRequest) =>
      Promise.reject(new IIIInvocationError({ code, message: msg, function_id: request?.function_id }));
    if (request === null || typeof request !== 'object') return invalid('trigger: expected a request object');
    const functionId = request.function_id;
    if (typeof functionId !== 'string' || functionId.trim() === '') return invalid('trigger: function_id must be a non-empty string');
    if (this.#shutdown) return Promise.reject(this.#shutdownError(functionId));
    if (this.#fatal) return Promise.reject(this.#fatal);
    if (request.signal?.aborted) return Promise.reject(request.signal.reason);
    let namespace: string | undefined;
    if (request.namespace !== undefined) {
      if (blankNamespace('namespace', request.namespace)) {
        return invalid('`namespace` is empty: give it a name, or omit it to use the default', ErrorCode.InvalidNamespace);
      }
      namespace = request.namespace;
    } else {
      // §3.8: engine builtins live in `default`; everything else in the worker's namespace.
      namespace = functionId.startsWith(ENGINE_PREFIX) ? 'default' : this.#o.namespace;
    }
    const action = request.action;
    if (action !== undefined && action !== null) {
      if (action.type === 'enqueue') {
        if (typeof action.queue !== 'string') return invalid('trigger: TriggerAction.Enqueue needs a queue name');
      } else if (action.type !== 'void') {
        return invalid(`trigger: unknown action type ${JSON.stringify((action as { type?: unknown }).type)}`);
      }
    }
    const timeoutMs = request.timeoutMs ?? this.#o.invocationTimeoutMs;
    if (typeof timeoutMs !== 'number' || !(timeoutMs > 0)) return invalid('trigger: timeoutMs must be a positive number');
    const frame: OutboundInvokeFrame = {
      type: 'invokefunction',
      function_id: functionId,
      // Always present: the engine drops a frame without `data` (§7 item 16).
      data: request.payload === undefined ? null : request.payload,
    };
    const trace = this.#traceContext(request);
    if (trace.traceparent) frame.traceparent = trace.traceparent;
    if (trace.baggage) frame.baggage = trace.baggage;
    if (action) frame.action = action.type === 'void' ? { type: 'void' } : { type: 'enqueue', queue: action.queue };
    if (request.metadata !== undefined) frame.metadata = request.metadata;
    if (namespace !== undefined) frame.namespace = namespace;

    if (action?.type === 'void') {
      const text = this.#encodeForCall(frame, functionId);
      if (typeof text !== 'string') return Promise.reject(text);
      const deadline = this.#platform.now() + timeoutMs;
      this.#sendOrQueue(text, () => this.#platform.now() < deadline);
      return Promise.resolve(undefined);
    }
    const id = this.#platform.randomUUID();
    frame.invocation_id = id;
    const text = this.#encodeForCall(frame, functionId);
    if (typeof text !== 'string') return Promise.reject(text);
    const promise = this.#pending.add({ id, functionId, timeoutMs, signal: request.signal });
    if (this.#pending.has(id)) {
      this.#sendOrQueue(
        text,
        () => this.#pending.has(id),
        () => this.#pending.markSent(id),
      );
    }
    return promise;
  }

  #traceContext(request: TriggerRequest): { traceparent?: string; baggage?: string } {
    if (request.traceparent !== undefined || request.baggage !== undefined) {
      return { traceparent: request.traceparent, baggage: request.baggage };
    }
    const inject = this.#o.propagator?.inject;
    if (!inject) return {};
    try {
      return inject.call(this.#o.propagator) ?? {};
    } catch {
      return {};
    }
  }

  #encodeForCall(frame: OutboundInvokeFrame, functionId: string): string | IIIInvocationError {
    try {
      return encodeFrame(frame);
    } catch (err) {
      return new IIIInvocationError({
        code: ErrorCode.InvalidRequest,
        message: `trigger: the payload or metadata is not JSON-serializable: ${message(err)}`,
        function_id: functionId,
        cause: err,
      });
    }
  }

  #encodeOrThrow(frame: OutboundFrame, what: string): string {
    try {
      return encodeFrame(frame);
    } catch (err) {
      throw new TypeError(`${what}: not JSON-serializable: ${message(err)}`, { cause: err });
    }
  }

  #shutdownError(functionId?: string): IIIInvocationError {
    return new IIIInvocationError({ code: ErrorCode.Shutdown, message: 'the client was shut down', function_id: functionId });
  }

  #sendLog(level: string, msg: string, data: unknown): void {
    if (this.#shutdown || this.#fatal) return;
    const payload: Record<string, unknown> = { message: msg, service_name: this.#o.workerName };
    if (data !== undefined) payload.data = data;
    void this.trigger({ function_id: `engine::log::${level}`, payload, action: { type: 'void' } }).catch(() => {
      // A log line that cannot be encoded is still on the console; nothing else to do.
    });
  }

  // ---------------------------------------------------------------- helpers on top of trigger()

  /**
   * Creates a data channel (`engine::channels::create`, §4.1). Pass `readerRef`/`writerRef` in
   * payloads; the receiving worker gets live ends.
   * @param bufferSize engine-side queue capacity in messages (1–1024). @default 64
   */
  async createChannel(bufferSize?: number): Promise<Channel> {
    const payload = bufferSize === undefined ? {} : { buffer_size: bufferSize };
    const result = (await this.trigger({ function_id: 'engine::channels::create', payload })) as {
      reader: StreamChannelRef;
      writer: StreamChannelRef;
    };
    const options = { platform: this.#platform };
    const Reader = (this.#deps.ChannelReader ?? ChannelReader) as typeof ChannelReader;
    const Writer = (this.#deps.ChannelWriter ?? ChannelWriter) as typeof ChannelWriter;
    return {
      reader: new Reader(this.#o.address, result.reader, options),
      writer: new Writer(this.#o.address, result.writer, options),
      readerRef: result.reader,
      writerRef: result.writer,
    };
  }

  /** Functions registered on the engine (`engine::functions::list`, §5). */
  async listFunctions(options: { include_internal?: boolean; prefix?: string; search?: string } = {}): Promise<FunctionInfo[]> {
    return toFunctionInfos(await this.trigger({ function_id: 'engine::functions::list', payload: { ...options } }));
  }

  /** Trigger bindings (`engine::registered-triggers::list`, §5). */
  async listTriggers(options: { include_internal?: boolean; trigger_type?: string; function_id?: string } = {}): Promise<TriggerInfo[]> {
    return toTriggerInfos(await this.trigger({ function_id: 'engine::registered-triggers::list', payload: { ...options } }));
  }

  /** Connected workers (`engine::workers::list`, §5; workers that announced no pid are not listed). */
  async listWorkers(): Promise<WorkerInfo[]> {
    return toWorkerInfos(await this.trigger({ function_id: 'engine::workers::list', payload: {} }));
  }

  /**
   * Calls `callback` with the engine's function list whenever it changes (the
   * `engine::functions-available` trigger type, polled by the engine every 5 s, §3.7).
   * Registers an internal function (hidden from listings) and binds it; returns an unsubscribe.
   */
  onFunctionsAvailable(callback: (functions: FunctionInfo[]) => void): () => void {
    const functionId = `iii::sdk::functions-available::${this.#platform.randomUUID()}`;
    const ref = this.registerFunction(
      functionId,
      async (data: unknown) => {
        try {
          callback(toFunctionInfos(data));
        } catch (err) {
          this.#emitter.emit('error', err instanceof Error ? err : new Error(String(err)));
        }
        return null;
      },
      { description: 'iii SDK: functions-available listener', metadata: { internal: true } },
    );
    const trigger = this.registerTrigger({ type: 'engine::functions-available', function_id: functionId, config: {} });
    return () => {
      trigger.unregister();
      ref.unregister();
    };
  }

  // ---------------------------------------------------------------- shutdown

  /**
   * Disconnects and releases everything: pending calls reject with `SHUTDOWN`, timers are
   * cleared, the socket is closed (awaited, bounded), listeners are removed. Idempotent.
   */
  shutdown(): Promise<void> {
    if (this.#shutdown) return this.#shutdown;
    let done!: () => void;
    // Set before anything runs, so state listeners fired by the close see a shut-down client.
    this.#shutdown = new Promise<void>((resolve) => (done = resolve));
    this.#pending.rejectAll((functionId) => this.#shutdownError(functionId));
    this.#outbox.clear();
    void this.#conn.close().then(() => {
      this.#emitter.removeAllListeners();
      this.#stateListeners.clear();
      done();
    });
    return this.#shutdown;
  }

  /** `await using worker = registerWorker(…)` support. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }
}

/** Typed payload helper for handlers: `JsonValue` re-exported for convenience. */
export type { JsonValue };
