/**
 * `III`, the public face of one worker. It builds the parts, wires them together through the
 * narrow interfaces each feature folder declares (the folders never import each other,
 * ARCHITECTURE.md) and delegates every public method. Inbound frames and engine signals go
 * through routes.ts.
 */
import { assertFunction } from './arguments.js';
import type { IIIInvocationError } from './errors.js';
import { Emitter, type ConnectionStateListener, type IIIConnectionState, type IIIEvents } from './events.js';
import type { CallerInput, CallRequest, CallResult, HandlerInput } from './function-registry.js';
import type { FunctionInfo, ListFunctionsOptions, ListTriggersOptions, TriggerInfo, WorkerInfo } from './info.js';
import { lazily } from './lazy.js';
import { Logger, toEngine } from './logger.js';
import { resolveOptions, type AddressSupplier, type InitOptions, type ResolvedOptions } from './options.js';
import type { Platform } from './platform.js';
import { reporter, Routes, sessionLink } from './routes.js';
import type { AnySchema } from './schema.js';
import type { FunctionHandler, FunctionRef, HttpInvocationConfig, RegisterFunctionOptions, TriggerAction } from './types.js';
import type { RegisterTriggerInput, RegisterTriggerTypeInput, Trigger, TriggerHandler, TriggerRequest, TriggerTypeRef } from './types.js';
import { Calls, Serving } from './calls/index.js';
import { containsChannelRef, materializeChannelRefs } from './channels/materialize.js';
import { ChannelEnds, type Channel, type ClientDeps } from './channels/ends.js';
import type { ChannelReader } from './channels/reader.js';
import type { ChannelWriter } from './channels/writer.js';
import { Announcer, Bindings, Functions, Registry, TriggerTypes, subscribeFunctionsAvailable, type RegistrationContext } from './registration/index.js';
import { Connection, Handshake, OUTCOMES, readyOptionsError, shutdownError, transportFromConstructor, type ReadyOptions } from './session/index.js';

export type { Channel, ClientDeps } from './channels/ends.js';
export type { ConnectionStateListener, IIIEvents } from './events.js';
export type { JsonValue } from './types.js';

/** The decoders of the engine's listings (§5), loaded by the first listing: most pages never list. */
const infos = lazily(() => import('./info.js'));

/**
 * `TReader` / `TWriter`: the channel classes of the entry that made this client, which
 * `createChannel()` returns (the Node entry's have Node streams).
 */
export class III<TReader = ChannelReader, TWriter = ChannelWriter> {
  /** Sends `engine::log::*` and mirrors to the console. */
  declare readonly logger: Logger;
  readonly #o: ResolvedOptions;
  readonly #platform: Platform;
  readonly #events = new Emitter<IIIEvents>();
  readonly #routes: Routes;
  readonly #conn: Connection;
  readonly #handshake: Handshake;
  /** What the registration parts share (registration/context.ts). */
  readonly #parts: RegistrationContext;
  readonly #announcer: Announcer;
  readonly #functions: Functions;
  readonly #triggerTypes: TriggerTypes;
  readonly #calls: Calls;
  readonly #channels: ChannelEnds;
  readonly #link: ReturnType<typeof sessionLink>;
  #shutdown: Promise<void> | undefined;

  constructor(platform: Platform, address: string | AddressSupplier | undefined, options: InitOptions = {}, deps: ClientDeps<TReader, TWriter> = {}) {
    const o = (this.#o = resolveOptions(platform, address, options));
    // Before anything opens: Workers refuses a client at module scope (a clear error, then).
    const outsideRequest = platform.bindRequest?.();
    this.#platform = platform;
    const sink = platform.console ?? globalThis.console;
    // SDK diagnostics: console only, never sent to the engine.
    const diag = new Logger({ level: o.logLevel, console: sink });
    for (const warning of o.warnings) diag.warn(warning);
    // The resolved options carry headers, reconnect, heartbeat and handshakeTimeoutMs as is.
    const transport = o.WebSocket ? transportFromConstructor(o.WebSocket, platform.name) : platform.connect;
    const conn = (this.#conn = new Connection({ ...o, url: o.address, platform, transport }));
    const link = (this.#link = sessionLink(conn, outsideRequest));
    // Each record also goes to the engine as a void `engine::log::<level>` call, until the client stops.
    const forward = toEngine(o.workerName, (request) => {
      if (!conn.isShutDown && !conn.fatal) void this.trigger(request).catch(() => {}); // an unencodable record is still on the console
    });
    this.logger = new Logger({ level: o.logLevel, console: sink, prefix: `[${o.workerName}]`, forward });
    const registry = new Registry();
    const report = reporter(this.#events);
    const channels = (this.#channels = new ChannelEnds(platform, () => this.getAddress(), deps));
    // From the options: propagator, maxMessageBytes, sendStackTraces.
    const serving = new Serving({
      ...o,
      find: (id) => registry.functions.get(id),
      // Most payloads carry no ref: skip the copy then (test/bench micro.ts: 1.4 us -> 0.05 us).
      materialize: (data) => (containsChannelRef(data) ? materializeChannelRefs(data, (ref) => channels.open(ref)) : data),
      reply: (text) => conn.submit('reply', text),
      diag,
    });
    const parts: RegistrationContext = (this.#parts = { platform, namespace: o.namespace, registry, link, diag, events: this.#events, report });
    const handshake = (this.#handshake = new Handshake({ ...o, platform, replay: () => registry.replay() }));
    this.#announcer = new Announcer(parts);
    this.#functions = new Functions(parts, this.#announcer);
    this.#triggerTypes = new TriggerTypes(parts, this.#announcer);
    const calls = (this.#calls = new Calls({ platform, options: o, link, diag }));
    const routes = (this.#routes = new Routes({ options: o, conn, handshake, calls, serving, bindings: new Bindings(parts), registration: parts }));
    conn.start({
      onFrame: (data) => routes.onFrame(data),
      onSocketLost: (error) => routes.onSocketLost(error),
      onState: (change) => routes.onState(change),
    });
  }

  // ---------------------------------------------------------------- connection

  get connectionState(): IIIConnectionState {
    return this.#conn.state;
  }

  /** The worker id the engine assigned to the current (or last) connection. */
  get workerId(): string | undefined {
    return this.#handshake.workerId;
  }

  /** `iii-sdk`'s name for {@link III.connectionState}. */
  getConnectionState(): IIIConnectionState {
    return this.#conn.state;
  }

  /**
   * The engine address as given (argument, else env `III_URL`, else the default), not redacted:
   * what `new ChannelReader(iii.getAddress(), ref)` needs. It may carry a credential (a `?token=`
   * query, a password): do not log it. Given an address function: the address of the latest
   * attempt; an Error before the function has answered once (after `ready()` it has).
   */
  getAddress(): string {
    const address = this.#conn.address;
    if (address === undefined) throw new Error('getAddress(): the address function has not given an address yet; call it after `await iii.ready()`');
    return address;
  }

  /**
   * Calls `listener(state, change)` at once with the current state (`connecting` at first), then
   * on every change of state; returns an unsubscribe function. Retries within `reconnecting`
   * are not changes: the `state` event reports each with its cause and delay.
   */
  addConnectionStateListener(listener: ConnectionStateListener): () => void {
    return this.#routes.addStateListener(listener);
  }

  on<E extends keyof IIIEvents>(event: E, listener: (...args: IIIEvents[E]) => void): this {
    assertFunction(`on('${event}', listener)`, listener);
    this.#events.on(event, listener);
    return this;
  }

  once<E extends keyof IIIEvents>(event: E, listener: (...args: IIIEvents[E]) => void): this {
    assertFunction(`once('${event}', listener)`, listener);
    this.#events.on(event, listener, true);
    return this;
  }

  off<E extends keyof IIIEvents>(event: E, listener?: (...args: IIIEvents[E]) => void): this {
    this.#events.off(event, listener);
    return this;
  }

  /**
   * Resolves once the engine has accepted this worker: its announce (`engine::workers::register`)
   * answered, which the engine does only after claiming the worker name and applying every
   * registration sent so far (§1.2). After it, calling one of this worker's own functions cannot
   * race its registration, and a function the engine refused (`FUNCTION_NAMESPACE_CONFLICT`) has
   * its `rejection` set. Rejects if the client fails (e.g. `WORKER_NAMESPACE_CONFLICT`), shuts
   * down, or the engine refuses the announce (an RBAC session not allowed the namespace).
   * After a reconnect it waits for the new connection's acceptance. With `timeoutMs` it rejects
   * `ENGINE_UNREACHABLE` (naming the address without its query, and the last attempt's cause)
   * if the engine has not accepted the worker by then; with `signal`, `signal.reason` on abort.
   */
  ready(options?: ReadyOptions): Promise<void> {
    const refused = readyOptionsError(options) ?? this.#link.misuse();
    if (refused) return Promise.reject(refused);
    // A registration with a valibot format is said once its converter has loaded (formats.ts).
    const converting = this.#announcer.settled();
    return converting ? converting.then(() => this.#conn.ready(options)) : this.#conn.ready(options);
  }

  /** Why the client stopped for good (`failed`), if it did. */
  getFatalError(): IIIInvocationError | undefined {
    // Every caller of `Connection.fail` passes an IIIInvocationError (see `#settle`).
    return this.#conn.fatal as IIIInvocationError | undefined;
  }

  // ---------------------------------------------------------------- registrations

  /**
   * Registers a function. The handler gets `(data, metadata, context)`. With a valibot
   * `request_format`, every inbound payload is validated first (a failure answers the caller
   * `VALIDATION_FAILED` and the handler does not run) and `data` is typed by the schema.
   * An `HttpInvocationConfig` instead of a handler registers an HTTP-invoked function (§3.2).
   * Without a schema, `data` is what the handler's annotation says, or `unknown`. The returned
   * ref's type records what callers send and get back: `typeof ref` can be an entry of the
   * function registry (`IIIFunctions`), which then types `trigger()` for this id.
   */
  registerFunction<const Id extends string, TSchema extends AnySchema | undefined = undefined, TInput = unknown, TOutput = unknown>(
    id: Id,
    handler: FunctionHandler<HandlerInput<TSchema, TInput>, TOutput> | HttpInvocationConfig,
    options: RegisterFunctionOptions<TSchema> = {},
  ): FunctionRef<Id, CallerInput<TSchema, TInput>, Awaited<TOutput>> {
    return this.#functions.registerFunction(id, handler as FunctionHandler | HttpInvocationConfig, options) as FunctionRef<Id>;
  }

  /** Binds `function_id` to a trigger type; drop it with `trigger.unregister()`. */
  registerTrigger(input: RegisterTriggerInput): Trigger {
    return this.#functions.registerTrigger(input);
  }

  /**
   * Becomes the provider of a trigger type (§3.7). The handler's `registerTrigger(binding)` runs
   * for every binding the engine delivers (throw to refuse it: `trigger_registration_failed`)
   * and `unregisterTrigger(binding)` when it goes; the SDK remembers each binding because the
   * engine's `unregistertrigger` carries only its id (§2.3).
   */
  registerTriggerType<TConfig = unknown>(input: RegisterTriggerTypeInput, handler: TriggerHandler<TConfig>): TriggerTypeRef<TConfig> {
    return this.#triggerTypes.register(input, handler, this);
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

  /**
   * Calls `callback` with the engine's function list whenever it changes (the
   * `engine::functions-available` trigger type, polled by the engine every 5 s, §3.7).
   * Registers an internal function (hidden from listings) and binds it; returns an unsubscribe.
   */
  onFunctionsAvailable(callback: (functions: FunctionInfo[]) => void): () => void {
    assertFunction('onFunctionsAvailable(callback)', callback);
    return subscribeFunctionsAvailable(this, this.#platform, this.#parts.report, (data) => infos((m) => m.toFunctionInfos(data)), callback);
  }

  // ---------------------------------------------------------------- calls

  /**
   * Calls a function and returns its value; `TriggerAction.Void()` resolves `undefined` at once;
   * `TriggerAction.Enqueue({queue})` resolves an `EnqueueResult`. Every rejection is an
   * `IIIInvocationError` with a code, except an abort, which rejects with `signal.reason`.
   * Calls made while disconnected wait for the next connection; their timeout runs from now.
   * For an id the function registry knows (`IIIFunctions`, the engine's built-ins) the payload is
   * checked and the result inferred; else `trigger<TInput, TOutput>` as in `iii-sdk`, `unknown`
   * without type arguments.
   */
  trigger<TInput = unknown, TOutput = unknown, const Id extends string = string, A extends TriggerAction | undefined = TriggerAction | undefined>(
    request: CallRequest<Id, TInput> & { action?: A },
  ): Promise<CallResult<Id, TOutput, A>> {
    return this.#calls.trigger(request as TriggerRequest) as Promise<CallResult<Id, TOutput, A>>;
  }

  /**
   * Creates a data channel (`engine::channels::create`, §4.1). Pass `readerRef`/`writerRef` in
   * payloads; the receiving worker gets live ends.
   * @param bufferSize engine-side queue capacity in messages (1–1024). @default 64
   */
  createChannel(bufferSize?: number): Promise<Channel<TReader, TWriter>> {
    return this.#channels.create((request) => this.trigger(request), bufferSize) as Promise<Channel<never, never>>;
  }

  /**
   * Functions registered on the engine (`engine::functions::list`, §5), with their formats
   * (`engine::functions::info`, one more call per 32 functions; `withFormats: false` skips it).
   */
  listFunctions(options: ListFunctionsOptions = {}): Promise<FunctionInfo[]> {
    return infos((m) => m.listFunctions((r) => this.trigger(r), options));
  }

  /**
   * Trigger bindings (`engine::registered-triggers::list`, §5). Their `metadata` only with
   * `withMetadata: true`, which costs one more call per binding.
   */
  listTriggers(options: ListTriggersOptions = {}): Promise<TriggerInfo[]> {
    return infos((m) => m.listTriggers((r) => this.trigger(r), options));
  }

  /** Connected workers (`engine::workers::list`, §5; workers that announced no pid are not listed). */
  async listWorkers(): Promise<WorkerInfo[]> {
    const result = await this.trigger({ function_id: 'engine::workers::list', payload: {} });
    return infos((m) => m.toWorkerInfos(result));
  }

  // ---------------------------------------------------------------- shutdown

  /**
   * Disconnects and releases everything: pending calls reject with `SHUTDOWN`, timers are
   * cleared, the socket is closed (awaited, bounded), listeners are removed. Idempotent.
   */
  shutdown(): Promise<void> {
    if (this.#shutdown) return this.#shutdown;
    this.#calls.end(OUTCOMES.shutdown.calls, (functionId) => shutdownError(functionId));
    // The phase is `closed` before any listener runs: they see a shut-down client.
    this.#shutdown = this.#conn.close().then(() => {
      this.#events.clear();
      this.#routes.stateListeners.clear();
    });
    return this.#shutdown;
  }

  /** `await using worker = registerWorker(…)` support. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }
}

