/**
 * A channel writer's send-side flow control (see `ChannelWriter`): whether the socket can take
 * another frame now, and waiting until it can, or until it has sent everything. Where the
 * transport reports its unsent bytes, a frame may go while they are at most `highWaterMark`;
 * waits are woken by the socket's own write completions where the runtime reports them (Node's
 * `ws`), else re-read `bufferedAmount()` every 2 ms. Where it does not (workerd), a token bucket
 * caps the send rate. Part of the writer's lazily loaded machinery.
 *
 * No wait here ever spins: each round of a loop waits on the socket or on a timer, so a socket
 * that stops draining (its peer went away) never starves the event loop that must deliver its
 * close (issue 10 item 1). `interrupt()` ends the current wait at once (an abort).
 */
import type { Platform, Transport } from '../platform.js';
import { DEFAULT_DRAIN_POLL_MS, DEFAULT_UNMETERED_BYTES_PER_SECOND } from './options.js';

export class SendPace {
  readonly #platform: Platform;
  readonly #highWaterMark: number;
  readonly #bytesPerSecond: number;
  /** Token bucket of the unmetered pacing: bytes that may be sent now, and when it was filled. */
  #tokens: number | undefined;
  #tokensAt = 0;
  /** Ends the wait under way, if any. */
  #wake: (() => void) | undefined;

  constructor(platform: Platform, highWaterMark: number, bytesPerSecond: number | undefined) {
    this.#platform = platform;
    this.#highWaterMark = highWaterMark;
    this.#bytesPerSecond = Math.max(1, bytesPerSecond ?? DEFAULT_UNMETERED_BYTES_PER_SECOND);
  }

  /**
   * Whether a frame of `frameBytes` may be sent now, without waiting. Unmetered, a `true` takes
   * the bytes from the bucket unless `take` is false.
   */
  hasRoom(transport: Transport, frameBytes: number, take = true): boolean {
    const buffered = transport.bufferedAmount();
    if (buffered !== undefined) return buffered <= this.#highWaterMark;
    const tokens = this.#refill();
    const room = tokens >= frameBytes;
    this.#tokens = room && take ? tokens - frameBytes : tokens;
    return room;
  }

  /** Resolves when {@link hasRoom} would be true (taking nothing), or once `stopped()`. */
  async room(transport: Transport, frameBytes: number, stopped: () => boolean): Promise<void> {
    while (!stopped() && !this.hasRoom(transport, frameBytes, false)) {
      const buffered = transport.bufferedAmount();
      // Unmetered: real timer waits, not bare macrotask yields: in workerd a `setTimeout(0)`
      // resolves before the socket has drained anything (measured, docs/channels.md).
      if (buffered === undefined) await this.sleep(Math.max(1, Math.ceil(((frameBytes - (this.#tokens ?? 0)) * 1000) / this.#bytesPerSecond)));
      // Resume as soon as the socket is back at the mark, as the raw-`ws` floor does: resuming at
      // half of it (bursts) cost the writing side 3-5 % more CPU per MB (docs/benchmarks.md).
      else await this.#below(transport, this.#highWaterMark, buffered);
    }
  }

  /**
   * Resolves once the socket holds no unsent byte, or `stopped()`, or after `timeoutMs`.
   * Where the runtime does not report unsent bytes (workerd) nothing can be known: at once.
   */
  async drained(transport: Transport, stopped: () => boolean, timeoutMs: number): Promise<void> {
    let late = false;
    const timer = timeoutMs === Infinity ? undefined : this.#platform.setTimeout(() => ((late = true), this.interrupt()), timeoutMs);
    for (;;) {
      const buffered = transport.bufferedAmount();
      if (buffered === undefined || buffered === 0 || stopped() || late) break;
      await this.#below(transport, 0, buffered);
    }
    if (timer !== undefined) this.#platform.clearTimeout(timer);
  }

  /** Ends the wait under way at once (its caller then re-checks why it waited). */
  interrupt(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /**
   * One wait for `transport` to hold at most `limit` unsent bytes; it held `buffered`. When the
   * runtime's completion wait comes back without progress (a socket that is going away), a
   * timer wait follows, so the caller's loop always yields to the event loop.
   */
  async #below(transport: Transport, limit: number, buffered: number): Promise<void> {
    let interrupted = false;
    if (transport.whenBelow) {
      const below = transport.whenBelow(limit);
      await this.#until((wake) => {
        void below.then(wake);
        return () => ((interrupted = true), wake());
      });
      if (interrupted || (transport.bufferedAmount() ?? 0) < buffered) return;
    }
    await this.#until((wake) => {
      const timer = this.#platform.setTimeout(wake, DEFAULT_DRAIN_POLL_MS);
      return () => (this.#platform.clearTimeout(timer), wake());
    });
  }

  /** Waits until `start`'s `wake` is called, or until `interrupt()` calls what `start` returned. */
  async #until(start: (wake: () => void) => () => void): Promise<void> {
    let interrupt!: () => void;
    await new Promise<void>((resolve) => {
      interrupt = start(resolve);
      this.#wake = interrupt;
    });
    if (this.#wake === interrupt) this.#wake = undefined;
  }

  #refill(): number {
    const now = this.#platform.now();
    const tokens = Math.min(this.#highWaterMark, (this.#tokens ?? this.#highWaterMark) + ((now - this.#tokensAt) * this.#bytesPerSecond) / 1000);
    this.#tokensAt = now;
    return tokens;
  }

  /** Resolves when `promise` settles or after `ms`, whichever is first. */
  async within(promise: Promise<unknown>, ms: number): Promise<void> {
    let timer: unknown;
    const timedOut = new Promise<void>((resolve) => {
      timer = this.#platform.setTimeout(resolve, ms);
    });
    await Promise.race([promise, timedOut]);
    this.#platform.clearTimeout(timer);
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.#platform.setTimeout(resolve, ms);
    });
  }
}
