/** Jittered exponential backoff (protocol.md §3.10; docs/reliability.md). */
import type { ReconnectOptions } from '../options.js';

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
