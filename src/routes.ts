/**
 * Where every inbound frame goes, and what engine signals do to the client (the facade's
 * other half, beside client.ts). Frames are decoded and checked once at the edge (§3.14,
 * protocol/decode.ts), then handed to the part of their type; the compiler checks that every
 * inbound type has a route. Engine signals and connection changes are applied from the
 * outcome table (session/outcomes.ts): to the pending calls, to the session, and as events.
 */
import { assertFunction } from './arguments.js';
import { ErrorCode, invocationError, RegistrationRejectedError, toError, type IIIInvocationError } from './errors.js';
import type { ConnectionStateListener, Emitter, IIIConnectionState, IIIEvents, StateChange } from './events.js';
import type { Logger } from './logger.js';
import type { ResolvedOptions } from './options.js';
import { decodeFrame, type InboundFrame, type RegistrationRejectedFrame } from './protocol/index.js';
import type { CallLink, Calls, Serving } from './calls/index.js';
import { onFunctionRejected, onTriggerRefused, type Bindings, type RegistrationContext, type RegistrationLink } from './registration/index.js';
import { OUTCOMES, rejectionOutcome, shutdownError, type Connection, type Handshake, type Outcome } from './session/index.js';

/** One handler per inbound frame type. */
export type FrameRoutes = { [K in InboundFrame['type']]: (frame: Extract<InboundFrame, { type: K }>) => void };

export interface Parts {
  readonly options: Pick<ResolvedOptions, 'onAuthError' | 'workerName'>;
  readonly conn: Connection;
  readonly handshake: Handshake;
  readonly calls: Calls;
  readonly serving: Serving;
  readonly bindings: Bindings;
  /** What the registration parts share; its `events`, `diag` and `report` are the client's. */
  readonly registration: RegistrationContext;
}

export class Routes {
  readonly #p: Parts;
  readonly #events: Emitter<IIIEvents>;
  readonly #diag: Logger;
  readonly stateListeners = new Set<ConnectionStateListener>();
  /** The state the listeners were last told: they hear of changes only, not of every retry. */
  #told: IIIConnectionState = 'disconnected';

  constructor(parts: Parts) {
    this.#p = parts;
    this.#events = parts.registration.events;
    this.#diag = parts.registration.diag;
  }

  /** The session's `onFrame`: bad frames become `'protocol-error'`, unknown types are ignored. */
  onFrame(data: string | Uint8Array): void {
    const decoded = decodeFrame(data);
    if (decoded.kind === 'frame') {
      try {
        (this.#routes[decoded.frame.type] as (frame: InboundFrame) => void)(decoded.frame);
      } catch (err) {
        // A bug of ours or a user callback: report, never crash the worker.
        this.#p.registration.report(err);
      }
    } else if (decoded.kind === 'invalid') {
      const text = typeof data === 'string' ? data : `<${data.byteLength} bytes>`;
      this.#diag.warn(`dropped a frame: ${decoded.message}`);
      this.#events.emit('protocol-error', { message: decoded.message, frame: text.slice(0, 500) });
    }
  }

  readonly #routes: FrameRoutes = {
    workerregistered: (frame) => {
      const { handshake, conn } = this.#p;
      // The opening sequence goes out now, not at open (handshake.ts says why), ahead of the
      // calls that markRegistered() flushes.
      handshake.open((kind, text) => conn.submit(kind, text));
      const workerId = handshake.registered(frame);
      conn.markRegistered();
      this.#events.emit('connected', { workerId });
    },
    invocationresult: (frame) => {
      const { handshake, calls } = this.#p;
      if (handshake.isAnswer(frame)) this.#onAnswer(handshake.answer(frame));
      else calls.onResult(frame);
    },
    invokefunction: (frame) => this.#p.serving.onInvoke(frame),
    registrationrejected: (frame) => this.#onRejected(frame),
    registertrigger: (frame) => void this.#p.bindings.deliver(frame),
    unregistertrigger: (frame) => this.#p.bindings.remove(frame),
    // A success needs nothing (§3.7 item 6); a refusal touches that binding only.
    triggerregistrationresult: (frame) => {
      if (frame.error) onTriggerRefused(this.#p.registration, frame, frame.error);
    },
    error: (frame) => this.#onAuthError(frame.error.code, frame.error.message),
    // A heartbeat's pong needs nothing: its arrival already moved the idle deadline.
    pong: () => {
      const { handshake } = this.#p;
      if (handshake.pong() && handshake.settled) this.#p.conn.accept();
    },
  };

  /** A socket that had opened is gone (`OUTCOMES.closed`): the calls written on it cannot be answered. */
  onSocketLost(error: Error): void {
    this.#p.calls.end(OUTCOMES.closed.calls, (functionId) =>
      invocationError(ErrorCode.ConnectionLost, `connection lost before ${functionId} answered: ${error.message}`, functionId, error),
    );
  }

  /**
   * Adds a state listener and calls it at once with the current state (the seed's and the
   * official browser SDK's semantics); after that it hears of changes only.
   */
  addStateListener(listener: ConnectionStateListener): () => void {
    assertFunction('addConnectionStateListener(listener)', listener);
    this.stateListeners.add(listener);
    this.#tell(listener, { state: this.#p.conn.state });
    return () => void this.stateListeners.delete(listener);
  }

  /**
   * Every state change and every scheduled retry: the `state` event hears all of them, listeners
   * only changes. A warn after the 3rd failed attempt in a row and every 10th after it, so a wrong
   * address or a stopped engine is never a silent hang (the address shown without its query).
   */
  onState(change: StateChange): void {
    const { state, error, attempt } = change;
    if (state === 'failed') {
      // A fatal outcome (`#settle`), or `OUTCOMES.retriesExhausted`: nothing will answer the calls left.
      this.#p.calls.end(OUTCOMES.retriesExhausted.calls, () => error!);
      this.#events.emit('fatal', error as IIIInvocationError);
    }
    if (state === 'reconnecting' && error) {
      this.#diag.debug(`reconnecting in ${change.delayMs ?? 0}ms: ${error.message}`);
      if (attempt !== undefined && (attempt === 3 || attempt % 10 === 0)) {
        this.#diag.warn(`cannot reach the engine at ${this.#p.conn.shownUrl}: ${error.message}; retrying (attempt ${attempt})`);
      }
    }
    this.#events.emit('state', change);
    if (state === this.#told) return;
    this.#told = state;
    for (const listener of [...this.stateListeners]) this.#tell(listener, change);
  }

  #tell(listener: ConnectionStateListener, change: StateChange): void {
    try {
      listener(change.state, change);
    } catch (err) {
      this.#p.registration.report(err);
    }
  }

  /** Applies a row of the outcome table to the calls and the session. */
  #settle(outcome: Outcome, error: IIIInvocationError, perCall: (functionId: string) => Error = () => error): void {
    this.#p.calls.end(outcome.calls, perCall);
    if (outcome.effect === 'fatal') this.#p.conn.fail(error);
    else if (outcome.effect === 'retry') this.#p.conn.drop(error);
  }

  /** The announce's answer: accepted, or refused (`OUTCOMES.announceRefused`). */
  #onAnswer(refusal: IIIInvocationError | undefined): void {
    if (!refusal) return this.#p.handshake.settled ? this.#p.conn.accept() : undefined;
    this.#diag.error(refusal.message);
    this.#events.emit('error', refusal);
    this.#p.conn.refuse(refusal);
  }

  #onRejected(frame: RegistrationRejectedFrame): void {
    const outcome = rejectionOutcome(frame.code);
    if (outcome.effect === 'handle') return onFunctionRejected(this.#p.registration, frame);
    const error = new RegistrationRejectedError({
      code: frame.code,
      message: `registration rejected for worker "${frame.worker_name ?? this.#p.options.workerName}" in namespace "${frame.namespace}" (already owned by worker ${frame.owner_worker_id})`,
      namespace: frame.namespace,
      owner_worker_id: frame.owner_worker_id,
      worker_name: frame.worker_name ?? undefined,
    });
    this.#diag.error(error.message);
    this.#settle(outcome, error);
  }

  #onAuthError(code: string, msg: string): void {
    // The engine sends this frame for AUTH_ERROR only (§3.4); a message names any other code it gives.
    const error = invocationError(ErrorCode.AuthError, code === ErrorCode.AuthError ? msg : `${code}: ${msg}`);
    this.#diag.error(`the engine refused the credentials: ${msg}`);
    this.#events.emit('auth-error', error);
    const stop = this.#p.options.onAuthError === 'stop';
    this.#settle(stop ? OUTCOMES.authStop : OUTCOMES.authRetry, error, (functionId) =>
      stop ? error : invocationError(ErrorCode.AuthError, msg, functionId),
    );
  }
}

/**
 * The session as the features see it (their `RegistrationLink` and `CallLink`): the send policy,
 * and the refusal of new work once the client stopped, or when a Workers client is used from
 * another request (`outsideRequest`, from `Platform.bindRequest`).
 */
export function sessionLink(
  conn: Connection,
  outsideRequest: ((functionId?: string) => Error | undefined) | undefined,
): RegistrationLink & CallLink & { submit: Connection['submit']; misuse(functionId?: string): Error | undefined } {
  const misuse = (functionId?: string) => outsideRequest?.(functionId);
  return {
    submit: conn.submit.bind(conn),
    misuse,
    assertUsable: (what) => {
      const error = misuse();
      if (error) throw error;
      if (conn.isShutDown) throw new Error(`${what}: the client was shut down`);
      if (conn.fatal) throw new Error(`${what}: the client has failed: ${conn.fatal.message}`);
    },
    stopped: (functionId) => misuse(functionId) ?? (conn.isShutDown ? shutdownError(functionId) : conn.fatal),
    unreachable: (waited, functionId) => conn.unreachable(waited, functionId),
  };
}

/** `err` as the client's `'error'` event. */
export function reporter(events: Emitter<IIIEvents>): (err: unknown) => void {
  return (err) => events.emit('error', toError(err));
}
