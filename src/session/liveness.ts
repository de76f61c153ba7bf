/**
 * One registered socket's liveness (§3.10): JSON pings on the heartbeat interval, and an idle
 * deadline that any inbound frame moves. Created when the engine registers the socket and
 * stopped by the transition that leaves it (connection.ts), so no timer outlives its socket.
 */
import type { HeartbeatOptions } from '../options.js';
import type { Platform, TimerHandle } from '../platform.js';

/**
 * How long a ping may go unanswered before a liveness check fails: the heartbeat interval, at
 * most this. A healthy engine answers at once (§3.10); the cap keeps a resume check short.
 */
export const LIVENESS_ANSWER_MS = 10_000;

export const PING_FRAME = '{"type":"ping"}';

export class Liveness {
  readonly #platform: Platform;
  readonly #hb: HeartbeatOptions;
  readonly #ping: () => void;
  readonly #dead: (error: Error) => void;
  #lastInboundAt: number;
  /** When the oldest ping that no inbound frame has followed yet was sent. */
  #askedAt: number | undefined;
  /** A liveness check (resume hint, or silence we may have caused) waits for its answer. */
  #probing = false;
  #pingTimer: TimerHandle | undefined;
  #idleTimer: TimerHandle | undefined;

  /** `ping` writes a ping frame; `dead` abandons the socket (heartbeat timeout). */
  constructor(platform: Platform, heartbeat: HeartbeatOptions, ping: () => void, dead: (error: Error) => void) {
    this.#platform = platform;
    this.#hb = heartbeat;
    this.#ping = ping;
    this.#dead = dead;
    this.#lastInboundAt = platform.now();
    this.#pingTimer = platform.setTimeout(() => this.#tick(), heartbeat.intervalMs);
    this.#idleTimer = platform.setTimeout(() => this.#checkIdle(), heartbeat.timeoutMs);
  }

  /**
   * An inbound frame arrived: the socket is alive. Costs one `now()` and no timer churn: the
   * idle timer is re-armed lazily, when it fires.
   */
  heard(): void {
    this.#lastInboundAt = this.#platform.now();
    this.#askedAt = undefined;
    this.#probing = false;
  }

  /** Ping now and judge the socket by the answer, within the answer window (a resume hint). */
  probe(): void {
    this.#probing = true;
    this.#sendPing();
    this.#arm(this.#answerMs());
  }

  stop(): void {
    this.#platform.clearTimeout(this.#pingTimer);
    this.#platform.clearTimeout(this.#idleTimer);
  }

  #sendPing(): void {
    this.#askedAt ??= this.#platform.now();
    this.#ping();
  }

  #tick(): void {
    this.#sendPing();
    this.#pingTimer = this.#platform.setTimeout(() => this.#tick(), this.#hb.intervalMs);
  }

  #arm(ms: number): void {
    this.#platform.clearTimeout(this.#idleTimer);
    this.#idleTimer = this.#platform.setTimeout(() => this.#checkIdle(), ms);
  }

  #answerMs(): number {
    return Math.min(this.#hb.intervalMs, this.#hb.timeoutMs, LIVENESS_ANSWER_MS);
  }

  /**
   * Silence alone does not condemn the socket: a hidden browser tab runs its timers late (once a
   * minute when throttled hard), so our own pings may not have gone out. The engine is blamed
   * only for a ping it had the answer window to answer and did not.
   */
  #checkIdle(): void {
    const now = this.#platform.now();
    const idle = now - this.#lastInboundAt;
    const silent = idle >= this.#hb.timeoutMs;
    const answerMs = this.#answerMs();
    const waited = this.#askedAt === undefined ? undefined : now - this.#askedAt;
    if (waited !== undefined && waited >= answerMs && (silent || this.#probing)) {
      const why = silent ? `no frame from the engine for ${idle}ms` : `no answer to a liveness ping for ${waited}ms`;
      this.#dead(new Error(`${why} (heartbeat timeout)`));
      return;
    }
    if (silent && waited === undefined) {
      this.probe();
      return;
    }
    this.#arm(waited !== undefined && (silent || this.#probing) ? answerMs - waited : this.#hb.timeoutMs - idle);
  }
}
