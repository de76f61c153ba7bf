/**
 * The worker client: wires the connection, the pending-call table, the registry and the
 * channels together (the feature folders never import each other, DESIGN.md "Layout").
 * The work is done by the parts beside this file; this class is the public face.
 */
import { EventEmitter } from 'eventemitter3';
import { Connection, transportFromConstructor, type IIIConnectionState } from '../connection/index.js';
import type { IIIInvocationError } from '../errors.js';
import type { FunctionInfo, TriggerInfo, WorkerInfo } from '../info.js';
import { PendingCalls } from '../invocation/index.js';
import { Logger } from '../logger.js';
import { resolveOptions, type InitOptions } from '../options.js';
import type { Platform } from '../platform.js';
import { Registry } from '../registry/index.js';
import type { AnySchema } from '../schema.js';
import type {
  EnqueueResult,
  FunctionHandler,
  FunctionRef,
  HttpInvocationConfig,
  InputOf,
  RegisterFunctionOptions,
  RegisterTriggerInput,
  RegisterTriggerTypeInput,
  Trigger,
  TriggerHandler,
  TriggerRequest,
  TriggerTypeRef,
} from '../types.js';
import { Calls } from './calls.js';
import { channelEnds, type ChannelEnds, type ClientDeps } from './channel-ends.js';
import { toError, type ClientContext } from './context.js';
import { frameHandler } from './dispatch.js';
import type { ConnectionStateListener, IIIEvents } from './events.js';
import { bindings, invocations, listing, refusals } from './lazy-parts.js';
import { Lifecycle } from './lifecycle.js';
import type { Channel } from './listing.js';
import { Registrations } from './registrations.js';
import { TriggerTypes } from './trigger-types.js';

export type { ClientDeps } from './channel-ends.js';
export type { ConnectionStateListener, IIIEvents } from './events.js';
export type { Channel } from './listing.js';

export class III {
  /** Sends `engine::log::*` and mirrors to the console. */
  readonly logger: Logger;
  readonly #events = new EventEmitter<IIIEvents>();
  readonly #ctx: ClientContext;
  readonly #lifecycle: Lifecycle;
  readonly #registrations: Registrations;
  readonly #triggerTypes: TriggerTypes;
  readonly #calls: Calls;
  readonly #channels: ChannelEnds;
  /** The last refusal being recorded (refusals.ts loads on first use); `ready()` waits for it. */
  #recording: Promise<void> = Promise.resolve();

  constructor(platform: Platform, address: string | undefined, options: InitOptions = {}, deps: ClientDeps = {}) {
    const o = resolveOptions(platform, address, options);
    const sink = platform.console ?? globalThis.console;
    this.logger = new Logger({
      level: o.logLevel,
      console: sink,
      prefix: `[${o.workerName}]`,
      forward: (level, msg, data) => this.#sendLog(level, msg, data),
    });
    const events = this.#events;
    // The handlers run only once `start()` dials, when everything below exists.
    const conn = new Connection(
      // The resolved options carry headers, reconnect, heartbeat and handshakeTimeoutMs as is.
      { ...o, url: o.address, platform, transport: o.WebSocket ? transportFromConstructor(o.WebSocket, platform.name) : platform.connect },
      {
        onOpen: () => lifecycle.onOpen(),
        onFrame: (data) => onFrame(data),
        onSocketLost: (error) => lifecycle.onSocketLost(error),
        onState: (change) => lifecycle.onState(change),
      },
    );
    const base = {
      platform,
      options: o,
      conn,
      registry: new Registry(),
      pending: new PendingCalls(platform),
      diag: new Logger({ level: o.logLevel, console: sink }),
      events,
      report: (err: unknown) => void events.emit('error', toError(err)),
    };
    const lifecycle = new Lifecycle(base);
    const ctx: ClientContext = { ...base, session: lifecycle };
    const registrations = new Registrations(ctx);
    const triggerTypes = new TriggerTypes(ctx, this);
    const calls = new Calls(ctx);
    const channels = channelEnds(platform, o.address, deps);
    const onFrame = frameHandler(ctx, {
      invocationresult: (frame) => (lifecycle.isAnnounceResult(frame) ? lifecycle.onAnnounceResult(frame) : calls.onResult(frame)),
      // The parts of lazy-parts.ts load with their first frame. A part that fails to load (the
      // network went away) is reported as an 'error' event; an invocation's caller then times out.
      invokefunction: (frame) => void invocations((m) => m.onInvoke(ctx, channels, frame)).catch(base.report),
      workerregistered: (frame) => lifecycle.onRegistered(frame.worker_id, frame.reattach_token ?? undefined),
      // Only a refused function id leaves the worker running; anything else is fatal (§3.12).
      registrationrejected: (frame) =>
        frame.code === 'FUNCTION_NAMESPACE_CONFLICT'
          ? void (this.#recording = refusals((m) => m.onFunctionRejected(ctx, frame)).catch(base.report))
          : lifecycle.onWorkerRejected(frame),
      registertrigger: (frame) => void bindings((m) => m.deliverBinding(ctx, frame)).catch(base.report),
      unregistertrigger: (frame) => void bindings((m) => m.removeBinding(ctx, frame)).catch(base.report),
      // A success needs nothing; a refusal is recorded by refusals.ts.
      triggerregistrationresult: (frame) => {
        const { error } = frame;
        if (error) this.#recording = refusals((m) => m.onTriggerRefused(ctx, frame, error)).catch(base.report);
      },
      error: (frame) => lifecycle.onAuthError(frame.error.code, frame.error.message),
      pong: () => {}, // Its arrival already moved the idle deadline.
    });
    this.#ctx = ctx;
    this.#lifecycle = lifecycle;
    this.#registrations = registrations;
    this.#triggerTypes = triggerTypes;
    this.#calls = calls;
    this.#channels = channels;
    conn.start();
  }

  // ---------------------------------------------------------------- connection

  get connectionState(): IIIConnectionState {
    return this.#ctx.conn.state;
  }

  /** The worker id the engine assigned to the current (or last) connection. */
  get workerId(): string | undefined {
    return this.#lifecycle.workerId;
  }

  /** Calls `listener(state, change)` on every state change; returns an unsubscribe function. */
  addConnectionStateListener(listener: ConnectionStateListener): () => void {
    return this.#lifecycle.addStateListener(listener);
  }

  on<E extends keyof IIIEvents>(event: E, listener: (...args: IIIEvents[E]) => void): this {
    this.#events.on(event, listener as never);
    return this;
  }

  once<E extends keyof IIIEvents>(event: E, listener: (...args: IIIEvents[E]) => void): this {
    this.#events.once(event, listener as never);
    return this;
  }

  off<E extends keyof IIIEvents>(event: E, listener?: (...args: IIIEvents[E]) => void): this {
    this.#events.off(event, listener as never);
    return this;
  }

  /**
   * Resolves once the engine has accepted this worker: its announce (`engine::workers::register`)
   * answered, which the engine does only after claiming the worker name and applying every
   * registration sent so far (§1.2). After it, calling one of this worker's own functions cannot
   * race its registration, and a function the engine refused (`FUNCTION_NAMESPACE_CONFLICT`) has
   * its `rejection` set. Rejects if the client fails (e.g. `WORKER_NAMESPACE_CONFLICT`), shuts
   * down, or the engine refuses the announce (an RBAC session not allowed the namespace).
   * After a reconnect it waits for the new connection's acceptance.
   */
  ready(): Promise<void> {
    // Refusals the engine sent before accepting us are on their handles when this resolves.
    return this.#lifecycle.ready().then(() => this.#recording);
  }

  /** Why the client stopped for good (`failed`), if it did. */
  getFatalError(): IIIInvocationError | undefined {
    return this.#lifecycle.fatal;
  }

  // ---------------------------------------------------------------- registrations

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
    return this.#registrations.registerFunction(id, handler as FunctionHandler | HttpInvocationConfig, options);
  }

  /** Binds `function_id` to a trigger type; drop it with `trigger.unregister()`. */
  registerTrigger(input: RegisterTriggerInput): Trigger {
    return this.#registrations.registerTrigger(input);
  }

  /**
   * Becomes the provider of a trigger type (§3.7). The handler's `registerTrigger(binding)` runs
   * for every binding the engine delivers (throw to refuse it: `trigger_registration_failed`)
   * and `unregisterTrigger(binding)` when it goes; the SDK remembers each binding because the
   * engine's `unregistertrigger` carries only its id (§2.3).
   */
  registerTriggerType<TConfig = unknown>(input: RegisterTriggerTypeInput, handler: TriggerHandler<TConfig>): TriggerTypeRef<TConfig> {
    return this.#triggerTypes.register(input, handler);
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
    this.#triggerTypes.unregister(input);
  }

  // ---------------------------------------------------------------- calls

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
    return this.#calls.trigger(request);
  }

  /**
   * Creates a data channel (`engine::channels::create`, §4.1). Pass `readerRef`/`writerRef` in
   * payloads; the receiving worker gets live ends.
   * @param bufferSize engine-side queue capacity in messages (1–1024). @default 64
   */
  createChannel(bufferSize?: number): Promise<Channel> {
    return listing((m) => m.createChannel(this, this.#channels, bufferSize));
  }

  /** Functions registered on the engine (`engine::functions::list`, §5). */
  listFunctions(options: { include_internal?: boolean; prefix?: string; search?: string } = {}): Promise<FunctionInfo[]> {
    return listing((m) => m.listFunctions(this, options));
  }

  /** Trigger bindings (`engine::registered-triggers::list`, §5). */
  listTriggers(options: { include_internal?: boolean; trigger_type?: string; function_id?: string } = {}): Promise<TriggerInfo[]> {
    return listing((m) => m.listTriggers(this, options));
  }

  /** Connected workers (`engine::workers::list`, §5; workers that announced no pid are not listed). */
  listWorkers(): Promise<WorkerInfo[]> {
    return listing((m) => m.listWorkers(this));
  }

  /**
   * Calls `callback` with the engine's function list whenever it changes (the
   * `engine::functions-available` trigger type, polled by the engine every 5 s, §3.7).
   * Registers an internal function (hidden from listings) and binds it; returns an unsubscribe.
   */
  onFunctionsAvailable(callback: (functions: FunctionInfo[]) => void): () => void {
    const { session, report } = this.#ctx;
    session.assertUsable('registerFunction');
    // The registration waits for listing.ts, as a channel reader's `onMessage` waits for its
    // machinery: the callback only ever runs later, when the engine fires.
    let off: (() => void) | undefined;
    let subscribed = true;
    void listing((m) => {
      if (subscribed && !session.isShutDown && !session.fatal) off = m.onFunctionsAvailable(this, this.#ctx, callback);
    }).catch(report);
    return () => {
      subscribed = false;
      off?.();
    };
  }

  // ---------------------------------------------------------------- shutdown

  /**
   * Disconnects and releases everything: pending calls reject with `SHUTDOWN`, timers are
   * cleared, the socket is closed (awaited, bounded), listeners are removed. Idempotent.
   */
  shutdown(): Promise<void> {
    return this.#lifecycle.shutdown();
  }

  /** `await using worker = registerWorker(…)` support. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }

  /** The `logger`'s forward: a void `engine::log::<level>` call, dropped once the client stopped. */
  #sendLog(level: string, msg: string, data: unknown): void {
    const { session, options } = this.#ctx;
    if (session.isShutDown || session.fatal) return;
    const payload: Record<string, unknown> = { message: msg, service_name: options.workerName };
    if (data !== undefined) payload.data = data;
    void this.trigger({ function_id: `engine::log::${level}`, payload, action: { type: 'void' } }).catch(() => {
      // A log line that cannot be encoded is still on the console; nothing else to do.
    });
  }
}
