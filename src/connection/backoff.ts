/**
 * Jittered exponential backoff (protocol.md §3.10, PRACTICES.md 7).
 */

export interface ReconnectOptions {
  /** Delay before the first retry. @default 1000 */
  initialDelayMs: number;
  /** Upper bound of any delay (before jitter). @default 30000 */
  maxDelayMs: number;
  /** Growth factor per failed attempt. @default 2 */
  multiplier: number;
  /** Random spread, as a fraction of the delay: 0.3 → ±30 %. @default 0.3 */
  jitter: number;
  /** Retries before the client gives up (state `failed`). @default Infinity */
  maxRetries: number;
  /**
   * A connection must stay registered this long before a drop resets the backoff; a socket
   * that dies right after opening keeps growing the delay instead of hammering the engine.
   * @default 5000
   */
  minUptimeMs: number;
}

/**
 * Delay before retry number `attempt` (0-based): `initial × multiplier^attempt`, capped at
 * `maxDelayMs`, then spread by ±`jitter`. `random` returns a number in [0, 1).
 */
export function backoffDelay(attempt: number, options: ReconnectOptions, random: () => number): number {
  const base = Math.min(options.maxDelayMs, options.initialDelayMs * Math.pow(options.multiplier, attempt));
  const spread = base * options.jitter * (random() * 2 - 1);
  // Clamp: a larger setTimeout delay overflows to ~1 ms in most runtimes.
  return Math.min(2_147_483_647, Math.max(0, Math.round(base + spread)));
}
