/**
 * A channel writer's send-side flow control (see `ChannelWriter`): wait until the socket can
 * take another frame. Where the transport reports its unsent bytes, `write()` waits for them to
 * fall to `highWaterMark`, woken by the socket's own write completions where the runtime reports
 * them (Node's `ws`), else re-reading `bufferedAmount()` every 2 ms. Where it does not (workerd),
 * a token bucket caps the send rate. Part of the writer's lazily loaded machinery.
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

  constructor(platform: Platform, highWaterMark: number, bytesPerSecond: number | undefined) {
    this.#platform = platform;
    this.#highWaterMark = highWaterMark;
    this.#bytesPerSecond = Math.max(1, bytesPerSecond ?? DEFAULT_UNMETERED_BYTES_PER_SECOND);
  }

  /**
   * Resolves when the socket `transport()` returns can take `frameBytes` more, or as soon as
   * `stopped()` (an abort, a closed socket); `signal` ends a wait for write completions.
   */
  async room(transport: () => Transport | undefined, frameBytes: number, stopped: () => boolean, signal: AbortSignal): Promise<void> {
    if (!transport()) return;
    if (transport()?.bufferedAmount() === undefined) return this.#pace(frameBytes, stopped);
    for (;;) {
      if (stopped()) return;
      const t = transport();
      const buffered = t?.bufferedAmount();
      if (!t || buffered === undefined || buffered <= this.#highWaterMark) return;
      if (t.whenBelow) await t.whenBelow(this.#highWaterMark, signal);
      else await this.sleep(DEFAULT_DRAIN_POLL_MS);
    }
  }

  /**
   * Token bucket for runtimes without `bufferedAmount`: at most `highWaterMark` bytes at once,
   * then `bytesPerSecond`. Real timer waits, not bare macrotask yields: in workerd a
   * `setTimeout(0)` resolves before the socket has drained anything (measured, docs/channels.md).
   */
  async #pace(frameBytes: number, stopped: () => boolean): Promise<void> {
    const rate = this.#bytesPerSecond;
    const refill = (): number => {
      const now = this.#platform.now();
      const tokens = Math.min(this.#highWaterMark, (this.#tokens ?? this.#highWaterMark) + ((now - this.#tokensAt) * rate) / 1000);
      this.#tokensAt = now;
      return tokens;
    };
    let tokens = refill();
    while (tokens < frameBytes) {
      this.#tokens = tokens;
      await this.sleep(Math.max(1, Math.ceil(((frameBytes - tokens) * 1000) / rate)));
      if (stopped()) return;
      tokens = refill();
    }
    this.#tokens = tokens - frameBytes;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.#platform.setTimeout(resolve, ms);
    });
  }
}
