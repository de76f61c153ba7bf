import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../src/session/backoff.js';
import { DEFAULT_RECONNECT } from '../../src/options.js';

const opts = { ...DEFAULT_RECONNECT };

describe('backoffDelay', () => {
  it('grows exponentially from initialDelayMs by multiplier', () => {
    const mid = () => 0.5; // jitter spread is 0 at the middle of [0, 1)
    expect([0, 1, 2, 3, 4].map((a) => backoffDelay(a, opts, mid))).toEqual([1000, 2000, 4000, 8000, 16000]);
  });

  it('is capped at maxDelayMs', () => {
    expect(backoffDelay(10, opts, () => 0.5)).toBe(30000);
    expect(backoffDelay(1000, opts, () => 0.5)).toBe(30000);
  });

  it('spreads by ±jitter', () => {
    expect(backoffDelay(0, opts, () => 0)).toBe(700);
    expect(backoffDelay(0, opts, () => 0.999999)).toBe(1300);
    expect(backoffDelay(5, opts, () => 0)).toBe(21000);
  });

  it('never goes negative', () => {
    expect(backoffDelay(0, { ...opts, jitter: 1 }, () => 0)).toBe(0);
  });
});
