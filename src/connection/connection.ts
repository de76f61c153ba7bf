/**
 * The worker socket's life: dial, handshake deadline, heartbeat, backoff, give up.
 *
 * The phase is a discriminated union that owns its timers and socket (PRACTICES.md 6); the
 * only way to leave a phase is `#enter`, which disposes of the old one, so no timer outlives
 * its phase. One dial at a time. The connection knows nothing about frames beyond the JSON
 * `ping` it sends (§3.10); the client decides what a frame means.
 */
import type { Platform, TimerHandle, Transport, TransportFactory } from '../platform.js';
import { backoffDelay, type ReconnectOptions } from './backoff.js';

/** `IIIConnectionState` of the seed. */
export type IIIConnectionState = 'disconnected' | 'connecting' | 'connected' | 'reconnecting' | 'failed';

export interface HeartbeatOptions {
  /** How often a JSON `{"type":"ping"}` is sent (the engine answers `pong`, §3.10). @default 20000 */
  intervalMs: number;
  /**
   * With no inbound frame for this long, and a ping left unanswered, the socket is presumed dead
   * and replaced. @default 60000
   */
  timeoutMs: number;
}

/**
 * How long a ping may go unanswered before a liveness check fails: the heartbeat interval, at
 * most this. A healthy engine answers at once (§3.10); the cap keeps a resume check short.
 */
export const LIVENESS_ANSWER_MS = 10_000;

export interface ConnectionOptions {
  url: string;
  headers?: Record<string, string>;
  platform: Platform;
  transport: TransportFactory;
  reconnect: ReconnectOptions;
  heartbeat: HeartbeatOptions | false;
  /** From dial to the engine's `workerregistered` (auth included). */
  handshakeTimeoutMs: number;
}

export interface StateChange {
  state: IIIConnectionState;
  /** Why the socket went away or why the client gave up. */
  error?: Error;
  /** For `reconnecting`: the retry number (1-based) and its delay. */
  attempt?: number;
  delayMs?: number;
}

export interface ConnectionHandlers {
  /** The socket is open: send the opening sequence now (§2.4 item 4). */
  onOpen(): void;
  onFrame(data: string | Uint8Array): void;
  /** A socket that had opened went away (the client rejects calls already sent on it). */
  onSocketLost(error: Error): void;
  onState(change: StateChange): void;
}

/** Close codes this SDK uses locally when it abandons a socket. */
export const CLOSE_HANDSHAKE_TIMEOUT = 4000;
export const CLOSE_HEARTBEAT_TIMEOUT = 4001;
const PING_FRAME = '{"type":"ping"}';

interface Socket {
  transport: Transport;
  /** Resolved when the transport reports its close, whoever started it. */
  closed: Promise<void>;
}

type Phase =
  | { kind: 'idle' }
  | { kind: 'dialing'; socket: Socket; handshakeTimer: TimerHandle; opened: boolean }
  | {
      kind: 'registered';
      socket: Socket;
      since: number;
      pingTimer: TimerHandle | undefined;
      idleTimer: TimerHandle | undefined;
    }
  | { kind: 'waiting'; retryTimer: TimerHandle }
  | { kind: 'failed'; error: Error }
  | { kind: 'closed' };

export class Connection {
  readonly #o: ConnectionOptions;
  readonly #h: ConnectionHandlers;
  #phase: Phase = { kind: 'idle' };
  #state: IIIConnectionState = 'disconnected';
  /** Consecutive failed attempts since the last connection that lived `minUptimeMs`. */
  #attempt = 0;
  #everRegistered = false;
  #lastInboundAt = 0;
  /** When the oldest ping that no inbound frame has followed yet was sent. */
  #askedAt: number | undefined;
  /** A liveness check (resume hint, or silence we may have caused) waits for its answer. */
  #probing = false;
  #unsubscribeResume: (() => void) | undefined;

  constructor(options: ConnectionOptions, handlers: ConnectionHandlers) {
    this.#o = options;
    this.#h = handlers;
  }

  get state(): IIIConnectionState {
    return this.#state;
  }

  /** True while a socket is open (including before `workerregistered`): frames can be sent. */
  get canSend(): boolean {
    const p = this.#phase;
    return p.kind === 'registered' || (p.kind === 'dialing' && p.opened);
  }

  /** True once the engine accepted the current socket (`workerregistered`). */
  get isRegistered(): boolean {
    return this.#phase.kind === 'registered';
  }

  start(): void {
    if (this.#phase.kind !== 'idle') return;
    this.#unsubscribeResume = this.#o.platform.onResume?.(() => this.#resume());
    this.#dial();
  }

  send(frame: string): boolean {
    const p = this.#phase;
    if (p.kind === 'registered' || (p.kind === 'dialing' && p.opened)) {
      try {
        p.socket.transport.send(frame);
        return true;
      } catch {
        return false;
      }
    }
    return false;
  }

  /** The engine sent `workerregistered`: the handshake is over (§1.2 item 1). */
  markRegistered(): void {
    const p = this.#phase;
    if (p.kind !== 'dialing' || !p.opened) return;
    const { platform, heartbeat } = this.#o;
    const now = platform.now();
    this.#lastInboundAt = now;
    this.#askedAt = undefined;
    this.#probing = false;
    this.#everRegistered = true;
    this.#enter(
      {
        kind: 'registered',
        socket: p.socket,
        since: now,
        pingTimer: heartbeat ? platform.setTimeout(() => this.#ping(), heartbeat.intervalMs) : undefined,
        idleTimer: heartbeat ? platform.setTimeout(() => this.#checkIdle(), heartbeat.timeoutMs) : undefined,
      },
      { state: 'connected' },
    );
  }

  /** Drop the current socket and retry with backoff (e.g. after an auth failure). */
  drop(error: Error): void {
    if (this.#phase.kind === 'dialing' || this.#phase.kind === 'registered') this.#lost(error, 1000);
  }

  /** Stop for good: no reconnect (fatal rejection, auth policy `stop`). */
  fail(error: Error): void {
    const p = this.#phase;
    if (p.kind === 'failed' || p.kind === 'closed') return;
    const hadSocket = p.kind === 'registered' || (p.kind === 'dialing' && p.opened);
    this.#enter({ kind: 'failed', error }, { state: 'failed', error });
    if (hadSocket) this.#h.onSocketLost(error);
    this.#unsubscribeResume?.();
  }

  /** Shutdown: close the socket and wait (bounded) for it to be gone. Idempotent. */
  async close(): Promise<void> {
    const p = this.#phase;
    this.#unsubscribeResume?.();
    this.#unsubscribeResume = undefined;
    if (p.kind === 'closed') return;
    const socket = p.kind === 'dialing' || p.kind === 'registered' ? p.socket : undefined;
    this.#enter({ kind: 'closed' }, p.kind === 'failed' ? undefined : { state: 'disconnected' });
    if (socket) await this.#bounded(socket.closed, 1000);
  }

  #bounded(promise: Promise<void>, ms: number): Promise<void> {
    const { platform } = this.#o;
    return new Promise<void>((resolve) => {
      const timer = platform.setTimeout(resolve, ms);
      void promise.then(() => {
        platform.clearTimeout(timer);
        resolve();
      });
    });
  }

  #dial(): void {
    const { platform, url, headers, handshakeTimeoutMs } = this.#o;
    let resolveClosed!: () => void;
    const closed = new Promise<void>((r) => (resolveClosed = r));
    // Events of a socket we already abandoned must not move the current phase.
    const isCurrent = () => {
      const p = this.#phase;
      return (p.kind === 'dialing' || p.kind === 'registered') && p.socket === socket;
    };
    let socket: Socket;
    let transport: Transport;
    try {
      transport = this.#o.transport(url, headers ? { headers } : {}, {
        onOpen: () => {
          const p = this.#phase;
          if (p.kind === 'dialing' && p.socket === socket) {
            p.opened = true;
            this.#h.onOpen();
          }
        },
        onMessage: (data) => {
          if (!isCurrent()) return;
          this.#lastInboundAt = platform.now();
          this.#askedAt = undefined;
          this.#probing = false;
          this.#h.onFrame(data);
        },
        onError: () => {
          // onClose always follows with the code; nothing to do here.
        },
        onClose: (code, reason) => {
          resolveClosed();
          if (!isCurrent()) return;
          this.#lost(new Error(`connection closed (code ${code}${reason ? `: ${reason}` : ''})`));
        },
      });
    } catch (err) {
      // A missing WebSocket or a malformed URL: retrying will not help, but the backoff
      // and maxRetries bound it, and the error is reported on the state event.
      this.#scheduleRetry(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    socket = { transport, closed };
    const timer = platform.setTimeout(() => {
      if (isCurrent()) this.#lost(new Error(`handshake timed out after ${handshakeTimeoutMs}ms`), CLOSE_HANDSHAKE_TIMEOUT);
    }, handshakeTimeoutMs);
    this.#enter(
      { kind: 'dialing', socket, handshakeTimer: timer, opened: false },
      { state: this.#everRegistered || this.#attempt > 0 ? 'reconnecting' : 'connecting' },
    );
  }

  /** The current socket is gone (closed by the peer, or abandoned with `closeCode`). */
  #lost(error: Error, closeCode?: number): void {
    const p = this.#phase;
    if (p.kind !== 'dialing' && p.kind !== 'registered') return;
    const wasOpen = p.kind === 'registered' || p.opened;
    if (p.kind === 'registered' && this.#o.platform.now() - p.since >= this.#o.reconnect.minUptimeMs) {
      this.#attempt = 0;
    }
    // Leave the phase first so the socket's own late onClose is ignored.
    this.#enter({ kind: 'idle' }, undefined, closeCode);
    if (wasOpen) this.#h.onSocketLost(error);
    // onSocketLost may have shut us down or failed us.
    if (this.#phase.kind === 'idle') this.#scheduleRetry(error);
  }

  #scheduleRetry(error: Error): void {
    const { reconnect, platform } = this.#o;
    if (this.#attempt >= reconnect.maxRetries) {
      const gaveUp = new Error(`gave up reconnecting after ${this.#attempt} retries: ${error.message}`, { cause: error });
      this.#enter({ kind: 'failed', error: gaveUp }, { state: 'failed', error: gaveUp });
      this.#unsubscribeResume?.();
      return;
    }
    const random = platform.random ?? Math.random;
    const delayMs = backoffDelay(this.#attempt, reconnect, random);
    this.#attempt++;
    const retryTimer = platform.setTimeout(() => {
      if (this.#phase.kind === 'waiting') this.#dial();
    }, delayMs);
    this.#enter({ kind: 'waiting', retryTimer }, { state: 'reconnecting', error, attempt: this.#attempt, delayMs });
  }

  /**
   * The platform says the network or the page is back. Waiting: skip the rest of the backoff.
   * Connected: the socket may have died while we were away (a laptop lid, a lost network), so
   * check it now instead of at the next idle deadline.
   */
  #resume(): void {
    if (this.#phase.kind === 'waiting') this.#dial();
    else if (this.#phase.kind === 'registered' && this.#o.heartbeat) this.#probe();
  }

  #sendPing(): void {
    this.#askedAt ??= this.#o.platform.now();
    this.send(PING_FRAME);
  }

  #ping(): void {
    const p = this.#phase;
    if (p.kind !== 'registered' || !this.#o.heartbeat) return;
    this.#sendPing();
    p.pingTimer = this.#o.platform.setTimeout(() => this.#ping(), this.#o.heartbeat.intervalMs);
  }

  /** Ping now and judge the socket by the answer, within the answer window. */
  #probe(): void {
    const p = this.#phase;
    const hb = this.#o.heartbeat;
    if (p.kind !== 'registered' || !hb) return;
    this.#probing = true;
    this.#sendPing();
    if (p.idleTimer !== undefined) this.#o.platform.clearTimeout(p.idleTimer);
    p.idleTimer = this.#o.platform.setTimeout(() => this.#checkIdle(), this.#answerMs(hb));
  }

  #answerMs(hb: HeartbeatOptions): number {
    return Math.min(hb.intervalMs, hb.timeoutMs, LIVENESS_ANSWER_MS);
  }

  /**
   * One timer per idle deadline, re-armed lazily: an inbound frame costs one `now()`, no timer
   * churn. Silence alone does not condemn the socket: a hidden browser tab runs its timers late
   * (once a minute when throttled hard), so our own pings may not have gone out. The engine is
   * blamed only for a ping it had the answer window to answer and did not.
   */
  #checkIdle(): void {
    const p = this.#phase;
    const hb = this.#o.heartbeat;
    if (p.kind !== 'registered' || !hb) return;
    const now = this.#o.platform.now();
    const idle = now - this.#lastInboundAt;
    const silent = idle >= hb.timeoutMs;
    const answerMs = this.#answerMs(hb);
    const waited = this.#askedAt === undefined ? undefined : now - this.#askedAt;
    if (waited !== undefined && waited >= answerMs && (silent || this.#probing)) {
      const why = silent ? `no frame from the engine for ${idle}ms` : `no answer to a liveness ping for ${waited}ms`;
      this.#lost(new Error(`${why} (heartbeat timeout)`), CLOSE_HEARTBEAT_TIMEOUT);
      return;
    }
    if (silent && waited === undefined) {
      this.#probe();
      return;
    }
    const delay = waited !== undefined && (silent || this.#probing) ? answerMs - waited : hb.timeoutMs - idle;
    p.idleTimer = this.#o.platform.setTimeout(() => this.#checkIdle(), delay);
  }

  #enter(next: Phase, change?: StateChange, closeCode = 1000): void {
    const prev = this.#phase;
    const { platform } = this.#o;
    switch (prev.kind) {
      case 'dialing':
        platform.clearTimeout(prev.handshakeTimer);
        break;
      case 'registered':
        if (prev.pingTimer !== undefined) platform.clearTimeout(prev.pingTimer);
        if (prev.idleTimer !== undefined) platform.clearTimeout(prev.idleTimer);
        break;
      case 'waiting':
        platform.clearTimeout(prev.retryTimer);
        break;
    }
    this.#phase = next;
    if ((prev.kind === 'dialing' || prev.kind === 'registered') && !('socket' in next && next.socket === prev.socket)) {
      try {
        prev.socket.transport.close(closeCode);
      } catch {
        // Already closing; nothing left to release.
      }
    }
    if (change && change.state !== this.#state) {
      this.#state = change.state;
      this.#h.onState(change);
    } else if (change && change.state === 'reconnecting' && change.attempt !== undefined) {
      // Report each scheduled retry, so listeners see the delay and the cause.
      this.#h.onState(change);
    }
  }
}
