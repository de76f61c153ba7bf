/**
 * The client's lifetime: the opening sequence of every (re)connect, state changes, fatal errors
 * (retries exhausted, a refused worker, refused credentials), the queue of frames waiting for
 * the engine, and shutdown.
 */
import { Outbox, type StateChange } from '../connection/index.js';
import { ErrorCode, IIIInvocationError, RegistrationRejectedError } from '../errors.js';
import {
  encodeFrame,
  type InvocationResultFrame,
  type OutboundFrame,
  type OutboundInvokeFrame,
  type RegistrationRejectedFrame,
} from '../protocol/index.js';
import { SDK_VERSION } from '../version.js';
import type { ClientContext, Session } from './context.js';
import type { ConnectionStateListener } from './events.js';

/** The worker's announcement (§1.2), sent first in every opening sequence. */
export const ANNOUNCE_FUNCTION = 'engine::workers::register';

export type LifecycleContext = Omit<ClientContext, 'session'>;

export class Lifecycle implements Session {
  readonly #ctx: LifecycleContext;
  readonly #outbox = new Outbox();
  readonly #stateListeners = new Set<ConnectionStateListener>();
  #workerId: string | undefined;
  #reattachToken: string | undefined;
  #fatal: IIIInvocationError | undefined;
  #shutdown: Promise<void> | undefined;
  /** Invocation id of this connection's announce; its answer is the engine's acceptance. */
  #announceId: string | undefined;
  /** The current connection's announce answered `{success:true}` (see `ready()`). */
  #accepted = false;
  /** The current connection's announce was refused (RBAC namespace scope, bad input). */
  #refused: IIIInvocationError | undefined;
  readonly #readyWaiters = new Set<{ resolve: () => void; reject: (error: IIIInvocationError) => void }>();

  constructor(ctx: LifecycleContext) {
    this.#ctx = ctx;
  }

  get workerId(): string | undefined {
    return this.#workerId;
  }

  get fatal(): IIIInvocationError | undefined {
    return this.#fatal;
  }

  get isShutDown(): boolean {
    return this.#shutdown !== undefined;
  }

  addStateListener(listener: ConnectionStateListener): () => void {
    this.#stateListeners.add(listener);
    return () => this.#stateListeners.delete(listener);
  }

  /**
   * Resolves once the engine has answered this connection's announce. The engine answers only
   * after it fixed the namespace, claimed the worker name and applied every registration read
   * before (§1.2, §2.4 item 3), and it reads a connection's frames in order: so after `ready()`
   * a call to one of our own functions cannot overtake its registration.
   */
  ready(): Promise<void> {
    if (this.#fatal) return Promise.reject(this.#fatal);
    if (this.#shutdown) return Promise.reject(this.shutdownError());
    if (this.#refused) return Promise.reject(this.#refused);
    if (this.#accepted && this.#ctx.conn.state === 'connected') return Promise.resolve();
    return new Promise<void>((resolve, reject) => this.#readyWaiters.add({ resolve, reject }));
  }

  /** Whether `frame` answers this connection's announce (routed here, not to the call table). */
  isAnnounceResult(frame: InvocationResultFrame): boolean {
    return this.#announceId !== undefined && frame.invocation_id === this.#announceId;
  }

  onAnnounceResult(frame: InvocationResultFrame): void {
    this.#announceId = undefined;
    if (frame.error) {
      // Invisible with the official SDKs' void announce (§1.2): a refused namespace would leave
      // the worker silently in `default` after the grace period. Say so instead.
      const error = new IIIInvocationError({
        code: frame.error.code,
        message: `worker announcement refused: ${frame.error.code}: ${frame.error.message}`,
        function_id: ANNOUNCE_FUNCTION,
      });
      this.#refused = error;
      this.#ctx.diag.error(error.message);
      this.#ctx.events.emit('error', error);
      this.#settleReady(error);
      return;
    }
    this.#accepted = true;
    this.#settleReady();
  }

  #settleReady(error?: IIIInvocationError): void {
    const waiters = [...this.#readyWaiters];
    this.#readyWaiters.clear();
    for (const waiter of waiters) {
      if (error) waiter.reject(error);
      else waiter.resolve();
    }
  }

  assertUsable(what: string): void {
    if (this.#shutdown) throw new Error(`${what}: the client was shut down`);
    if (this.#fatal) throw new Error(`${what}: the client has failed: ${this.#fatal.message}`);
  }

  shutdownError(functionId?: string): IIIInvocationError {
    return new IIIInvocationError({ code: ErrorCode.Shutdown, message: 'the client was shut down', function_id: functionId });
  }

  sendOrQueue(text: string, isLive?: () => boolean, onSent?: () => void): void {
    const { conn } = this.#ctx;
    if (conn.isRegistered && conn.send(text)) {
      onSent?.();
      return;
    }
    if (this.#fatal || this.#shutdown) return;
    this.#outbox.push(text, isLive, onSent);
  }

  onState(change: StateChange): void {
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
      this.#ctx.diag.debug(`reconnecting in ${change.delayMs ?? 0}ms: ${change.error.message}`);
    }
    this.#ctx.events.emit('state', change);
    for (const listener of [...this.#stateListeners]) {
      try {
        listener(change.state, change);
      } catch (err) {
        this.#ctx.report(err);
      }
    }
  }

  /** The opening sequence of every (re)connect, in the order of §2.4 item 4. */
  onOpen(): void {
    const { conn, registry } = this.#ctx;
    const send = (frame: OutboundFrame) => conn.send(encodeFrame(frame));
    this.#accepted = false;
    this.#refused = undefined;
    this.#announceId = this.#ctx.platform.randomUUID();
    if (this.#workerId && this.#reattachToken) {
      // Retires a half-open previous connection so our own stale leases don't conflict (§3.11).
      send({ type: 'reattach', previous_worker_id: this.#workerId, reattach_token: this.#reattachToken });
    }
    send(this.#announceFrame());
    for (const frame of registry.replay()) send(frame);
    // Queued calls wait for `workerregistered` (see onRegistered): a socket that fails its
    // handshake (auth, timeout) must not take them down with it as CONNECTION_LOST.
  }

  onRegistered(workerId: string, token: string | undefined): void {
    const { conn } = this.#ctx;
    this.#workerId = workerId;
    this.#reattachToken = token;
    conn.markRegistered();
    this.#outbox.drain((frame) => conn.send(frame));
    this.#ctx.events.emit('connected', { workerId });
  }

  onSocketLost(error: Error): void {
    // Calls written on that socket can never be answered (§3.13); queued ones wait (§3.5).
    this.#ctx.pending.rejectSent(
      (functionId) =>
        new IIIInvocationError({
          code: ErrorCode.ConnectionLost,
          message: `connection lost before ${functionId} answered: ${error.message}`,
          function_id: functionId,
          cause: error,
        }),
    );
  }

  /** `WORKER_NAMESPACE_CONFLICT`, or a rejection code we don't know: fatal (§3.12). */
  onWorkerRejected(frame: RegistrationRejectedFrame): void {
    const error = new RegistrationRejectedError({
      code: frame.code,
      message: `${frame.code}: registration rejected for worker "${frame.worker_name ?? this.#ctx.options.workerName}" in namespace "${frame.namespace}" (already owned by worker ${frame.owner_worker_id})`,
      namespace: frame.namespace,
      owner_worker_id: frame.owner_worker_id,
      worker_name: frame.worker_name ?? undefined,
    });
    this.#ctx.diag.error(error.message);
    this.#stop(error);
  }

  onAuthError(code: string, msg: string): void {
    const { diag, events, pending, conn } = this.#ctx;
    const error = new IIIInvocationError({ code: ErrorCode.AuthError, message: `${code}: ${msg}` });
    diag.error(`the engine refused the credentials: ${msg}`);
    events.emit('auth-error', error);
    if (this.#ctx.options.onAuthError === 'stop') {
      this.#stop(error);
      return;
    }
    // Without this, calls would only end by timeout (§7 item 3): tell them why now.
    pending.rejectAll((functionId) => new IIIInvocationError({ code: ErrorCode.AuthError, message: error.message, function_id: functionId }));
    conn.drop(error);
  }

  shutdown(): Promise<void> {
    if (this.#shutdown) return this.#shutdown;
    let done!: () => void;
    // Set before anything runs, so state listeners fired by the close see a shut-down client.
    this.#shutdown = new Promise<void>((resolve) => (done = resolve));
    this.#ctx.pending.rejectAll((functionId) => this.shutdownError(functionId));
    this.#settleReady(this.shutdownError());
    this.#outbox.clear();
    void this.#ctx.conn.close().then(() => {
      this.#ctx.events.removeAllListeners();
      this.#stateListeners.clear();
      done();
    });
    return this.#shutdown;
  }

  #announceFrame(): OutboundInvokeFrame {
    const { platform, options } = this.#ctx;
    const info = platform.runtimeInfo();
    // Undefined fields (no description, os, pid or namespace) are dropped by JSON.stringify.
    const data = {
      runtime: info.runtime,
      version: SDK_VERSION,
      name: options.workerName,
      isolation: platform.env('III_ISOLATION') ?? null,
      description: options.workerDescription,
      os: info.os,
      pid: info.pid,
      namespace: options.namespace,
    };
    // Synchronous, unlike the official SDKs' void announce (§1.2): the answer tells `ready()`
    // that the registrations are applied, and a refusal becomes visible. A name conflict still
    // arrives as `registrationrejected` + Close, and its `{success:false}` never (§8 item 6).
    return { type: 'invokefunction', invocation_id: this.#announceId, function_id: ANNOUNCE_FUNCTION, data };
  }

  /** Fails the client for good and tells the connection to stop retrying. */
  #stop(error: IIIInvocationError): void {
    this.#setFatal(error);
    this.#ctx.conn.fail(error);
  }

  #setFatal(error: IIIInvocationError): void {
    this.#fatal = error;
    this.#outbox.clear();
    this.#settleReady(error);
    this.#ctx.pending.rejectAll(() => error);
    this.#ctx.events.emit('fatal', error);
  }
}
