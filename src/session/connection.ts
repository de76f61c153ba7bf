/**
 * A worker connection's life, as one state machine whose phases follow the handshake (§2.4,
 * §3.1): `dialing` (transport created) → `opening` (socket open, waiting for the engine's
 * `workerregistered`) → `registered` (opening sequence written, queued calls flushed) →
 * `accepted` (announce answered and the sequence's ping ponged: `ready()` resolves); from any of them `waiting` (to retry, with backoff), `failed` (for
 * good) or `closed` (shutdown). Each phase owns what lives as long as it does: socket, handshake
 * deadline, liveness (liveness.ts), retry timer. `#enter` is the only way to change phase; it
 * disposes of what the new phase does not carry over, settles `ready()` waiters and reports
 * state changes. One dial at a time. What a phase does with an outbound frame
 * is send-policy.ts; what each close or timeout means is outcomes.ts; what the frames say is
 * the client's (the opening sequence of handshake.ts runs on `workerregistered`, routes.ts).
 */
import { toError, type IIIInvocationError } from '../errors.js';
import type { IIIConnectionState, StateChange } from '../events.js';
import { scrub } from '../redact.js';
import { EngineAddress } from './address.js';
import { backoffDelay } from './backoff.js';
import { Liveness, PING_FRAME } from './liveness.js';
import { CLOSE_HANDSHAKE_TIMEOUT, CLOSE_HEARTBEAT_TIMEOUT, gaveUpError, shutdownError, unreachableError } from './outcomes.js';
import { Outbox, type QueuedFrame } from './outbox.js';
import { ReadyWaiters, type ReadyOptions } from './ready.js';
import { SEND_POLICY, type PhaseKind, type SendAction, type SendKind } from './send-policy.js';
import { release, type Phase } from './phases.js';
import { closedWithin, openSocket, type Socket } from './socket.js';
import type { ConnectionHandlers, ConnectionOptions } from './contract.js';

export type { ConnectionHandlers, ConnectionOptions };

export class Connection {
  readonly #o: ConnectionOptions;
  #h: ConnectionHandlers | undefined;
  #phase: Phase = { kind: 'idle' };
  /** What this phase does with each kind of frame: its row of the send policy. */
  #policy: (typeof SEND_POLICY)[PhaseKind] = SEND_POLICY.idle;
  #state: IIIConnectionState = 'disconnected';
  /** Consecutive failed attempts since the last connection that lived `minUptimeMs`. */
  #attempt = 0;
  #everRegistered = false;
  /** Why the last attempt failed (its cause); cleared once a socket is registered. */
  #lastFailure: Error | undefined;
  /** Calls waiting for a registered socket (send-policy.ts `queue`). */
  readonly #outbox = new Outbox();
  readonly #waiters: ReadyWaiters;
  #unsubscribeResume: (() => void) | undefined;
  /** Where each attempt dials; its secrets are what every reported error is scrubbed of (redact.ts). */
  readonly #address: EngineAddress;

  /** `handlers` here or at `start()`: the client passes them once the parts they call exist. */
  constructor(options: ConnectionOptions, handlers?: ConnectionHandlers) {
    this.#o = options;
    this.#h = handlers;
    this.#waiters = new ReadyWaiters(options.platform);
    this.#address = new EngineAddress(options.url, options.headers);
  }

  /** The address as errors show it (redacted). */
  get shownUrl(): string {
    return this.#address.shown;
  }

  /** The address the latest attempt dialed; `undefined` until an address function first answers. */
  get address(): string | undefined {
    return this.#address.current;
  }

  get state(): IIIConnectionState {
    return this.#state;
  }

  /** True while a frame written now reaches an open socket (including before `workerregistered`). */
  get canSend(): boolean {
    return SEND_POLICY[this.#phase.kind].reply === 'send';
  }

  /** Why the client stopped for good, if it did (kept after a shutdown). */
  get fatal(): Error | undefined {
    const p = this.#phase;
    return p.kind === 'failed' ? p.error : p.kind === 'closed' ? p.fatal : undefined;
  }

  get isShutDown(): boolean {
    return this.#phase.kind === 'closed';
  }

  start(handlers?: ConnectionHandlers): void {
    if (handlers) this.#h = handlers;
    if (this.#phase.kind !== 'idle') return;
    this.#unsubscribeResume = this.#o.platform.onResume?.(() => this.#resume());
    this.#dial();
  }

  /**
   * Sends, queues or refuses `text` as the phase's row of the send policy says; `owner.onSent()`
   * once it is written. A write that throws means the socket is going: the frame is treated as
   * without one (a call queued, a registration replayed).
   */
  submit(kind: SendKind, text: string, owner?: QueuedFrame): SendAction {
    let action = this.#policy[kind];
    if (action === 'send') {
      if (this.#write(text)) {
        owner?.onSent?.();
        return action;
      }
      action = SEND_POLICY.waiting[kind];
    }
    if (action === 'queue') this.#outbox.queue(text, owner);
    return action;
  }

  /**
   * Resolves once the engine has answered the current connection's announce (`accept()`). Rejects when the client
   * fails or is shut down, while the announce stands refused, after `timeoutMs` (`ENGINE_UNREACHABLE`), on abort.
   */
  ready(options: ReadyOptions = {}): Promise<void> {
    const p = this.#phase;
    if (options.signal?.aborted) return Promise.reject(options.signal.reason);
    if (p.kind === 'accepted') return Promise.resolve();
    const refused = p.kind === 'registered' ? p.refusal : this.#stopError();
    if (refused) return Promise.reject(refused);
    return this.#waiters.wait(options, () => this.unreachable(`ready() waited ${options.timeoutMs} ms`));
  }

  /** `ENGINE_UNREACHABLE` after `waited` ran out, with the last attempt's cause. */
  unreachable(waited: string, functionId?: string): IIIInvocationError {
    return unreachableError(waited, this.shownUrl, this.#lastFailure, functionId);
  }

  /** The engine sent `workerregistered` (§3.1): arm liveness, then flush the queued calls. */
  markRegistered(): void {
    const p = this.#phase;
    if (p.kind !== 'opening') return;
    const { platform, heartbeat } = this.#o;
    const liveness = heartbeat
      ? new Liveness(platform, heartbeat, () => this.#write(PING_FRAME), (e) => this.#lost(e, CLOSE_HEARTBEAT_TIMEOUT))
      : undefined;
    this.#everRegistered = true;
    this.#lastFailure = undefined;
    this.#enter({ kind: 'registered', socket: p.socket, since: platform.now(), liveness }, { state: 'connected' });
    this.#outbox.drain((frame) => this.#write(frame));
  }

  /** The engine answered the announce (§1.2): registrations sent so far are applied. */
  accept(): void {
    const p = this.#phase;
    if (p.kind === 'registered' && !p.refusal) this.#enter({ kind: 'accepted', socket: p.socket, since: p.since, liveness: p.liveness });
  }

  /** The announce was refused (`OUTCOMES.announceRefused`): `ready()` rejects until the next socket. */
  refuse(error: Error): void {
    const p = this.#phase;
    if (p.kind !== 'registered') return;
    p.refusal = error;
    this.#waiters.settle(error);
  }

  /** Drop the current socket and retry with backoff (`OUTCOMES.authRetry`). */
  drop(error: Error): void {
    this.#lost(error, 1000);
  }

  /** Stop for good: no reconnect (a `fatal` outcome). */
  fail(error: Error): void {
    const p = this.#phase;
    if (p.kind === 'failed' || p.kind === 'closed') return;
    const hadSocket = this.canSend;
    this.#enter({ kind: 'failed', error }, { state: 'failed', error });
    if (hadSocket) this.#h?.onSocketLost(error);
    this.#unsubscribeResume?.();
  }

  /** Shutdown: close the socket and wait (bounded) for it to be gone. Idempotent. */
  async close(): Promise<void> {
    const p = this.#phase;
    this.#unsubscribeResume?.();
    this.#unsubscribeResume = undefined;
    if (p.kind === 'closed') return;
    const socket = 'socket' in p ? p.socket : undefined;
    this.#enter({ kind: 'closed', fatal: this.fatal }, p.kind === 'failed' ? undefined : { state: 'disconnected' });
    if (socket) await closedWithin(this.#o.platform, socket, 1000);
  }

  /** The error `ready()` and new work get once the client stopped, if it did. */
  #stopError(): Error | undefined {
    const p = this.#phase;
    return p.kind === 'failed' ? p.error : p.kind === 'closed' ? (p.fatal ?? shutdownError()) : undefined;
  }

  #write(text: string): boolean {
    const p = this.#phase;
    if (!('socket' in p) || p.kind === 'dialing') return false;
    try {
      p.socket.transport.send(text);
      return true;
    } catch {
      return false;
    }
  }

  /** Gets this attempt's address (an address function may answer later), then opens the socket. */
  #dial(): void {
    const { platform, handshakeTimeoutMs } = this.#o;
    let asking: Phase | undefined;
    const asked = this.#address.ask(platform, handshakeTimeoutMs, (answer) => {
      if (this.#phase !== asking) return;
      if (typeof answer === 'string') this.#open(answer);
      else this.#scheduleRetry(answer);
    });
    // `OUTCOMES.dialFailed` when the address function threw or gave a bad address.
    if (typeof asked === 'string') return this.#open(asked);
    if (asked instanceof Error) return this.#scheduleRetry(asked);
    // Waiting for its promise is like waiting between attempts (calls queue); `retry` is its deadline.
    asking = { kind: 'waiting', asking: true, retry: asked.deadline };
    this.#enter(asking, this.#dialState());
  }

  #open(url: string): void {
    const { platform, headers, handshakeTimeoutMs } = this.#o;
    // Events of a socket we already abandoned must not move the current phase.
    const current = () => {
      const p = this.#phase;
      return 'socket' in p && p.socket === socket ? p : undefined;
    };
    let socket: Socket;
    try {
      socket = openSocket(this.#o.transport, url, headers, this.#address.secrets, {
        open: () => {
          const p = current();
          if (p?.kind !== 'dialing') return;
          this.#enter({ kind: 'opening', socket, deadline: p.deadline });
        },
        frame: (data) => {
          const p = current();
          if (!p) return;
          if ('liveness' in p) p.liveness?.heard();
          this.#h?.onFrame(data);
        },
        closed: (error) => {
          if (current()) this.#lost(error);
        },
      });
    } catch (err) {
      // A missing WebSocket or a malformed URL (`OUTCOMES.dialFailed`): retrying will not help,
      // but the backoff and maxRetries bound it, and the error is reported on the state event.
      this.#scheduleRetry(scrub(toError(err), this.#address.secrets));
      return;
    }
    const deadline = platform.setTimeout(() => {
      if (current()) this.#lost(new Error(`handshake timed out after ${handshakeTimeoutMs}ms`), CLOSE_HANDSHAKE_TIMEOUT);
    }, handshakeTimeoutMs);
    this.#enter({ kind: 'dialing', socket, deadline }, this.#dialState());
  }

  /** A dial is a reconnect once a socket was registered or an attempt failed. */
  #dialState(): StateChange {
    return { state: this.#everRegistered || this.#attempt > 0 ? 'reconnecting' : 'connecting' };
  }

  /** The current socket is gone (`OUTCOMES.closed`), or abandoned with `closeCode`. */
  #lost(error: Error, closeCode?: number): void {
    const p = this.#phase;
    if (!('socket' in p)) return;
    const wasOpen = this.canSend;
    if ('since' in p && this.#o.platform.now() - p.since >= this.#o.reconnect.minUptimeMs) this.#attempt = 0;
    // Leave the phase first so the socket's own late onClose is ignored.
    this.#enter({ kind: 'idle' }, undefined, closeCode);
    if (wasOpen) this.#h?.onSocketLost(error);
    // onSocketLost may have shut us down or failed us.
    if (this.#phase.kind === 'idle') this.#scheduleRetry(error);
  }

  #scheduleRetry(error: Error): void {
    const { reconnect, platform } = this.#o;
    this.#lastFailure = error;
    if (this.#attempt >= reconnect.maxRetries) {
      // `OUTCOMES.retriesExhausted`: nothing will ever answer the calls still waiting.
      const gaveUp = gaveUpError(this.#attempt, error);
      this.#enter({ kind: 'failed', error: gaveUp }, { state: 'failed', error: gaveUp });
      this.#unsubscribeResume?.();
      return;
    }
    const delayMs = backoffDelay(this.#attempt, reconnect, platform.random ?? Math.random);
    this.#attempt++;
    const retry = platform.setTimeout(() => {
      if (this.#phase.kind === 'waiting') this.#dial();
    }, delayMs);
    this.#enter({ kind: 'waiting', retry }, { state: 'reconnecting', error, attempt: this.#attempt, delayMs });
  }

  /**
   * The platform says the network or the page is back. Waiting: skip the rest of the backoff. Registered: the
   * socket may have died meanwhile (a laptop lid, a lost network): check it now, not at the next idle deadline.
   */
  #resume(): void {
    const p = this.#phase;
    if (p.kind === 'waiting' && !p.asking) this.#dial();
    else if ('liveness' in p) p.liveness?.probe();
  }

  #enter(next: Phase, change?: StateChange, closeCode = 1000): void {
    const prev = this.#phase;
    this.#phase = next;
    this.#policy = SEND_POLICY[next.kind];
    release(this.#o.platform, prev, next, closeCode);
    if (next.kind === 'accepted') this.#waiters.settle();
    const stopped = this.#stopError();
    if (stopped) {
      this.#outbox.clear();
      this.#waiters.settle(stopped);
    }
    if (change && change.state !== this.#state) {
      this.#state = change.state;
      this.#h?.onState(change);
    } else if (change && change.state === 'reconnecting' && change.attempt !== undefined) {
      // Report each scheduled retry, so listeners see the delay and the cause.
      this.#h?.onState(change);
    }
  }
}
