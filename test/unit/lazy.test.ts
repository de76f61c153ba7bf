import { describe, expect, it } from 'vitest';
import { lazily } from '../../src/lazy.js';

describe('lazily (parts loaded on first use)', () => {
  it('imports once and lets calls reach the module in the order they were made', async () => {
    let loads = 0;
    const part = lazily(async () => {
      loads++;
      return { seen: [] as number[] };
    });
    const calls = [1, 2, 3].map((n) => part((m) => (m.seen.push(n), m.seen)));
    const results = await Promise.all(calls);
    expect(results.at(-1)).toEqual([1, 2, 3]);
    expect(loads).toBe(1);
  });

  it('a failed import fails the waiting calls, and the next call tries again', async () => {
    let attempt = 0;
    const part = lazily(async () => {
      attempt++;
      if (attempt === 1) throw new Error('chunk fetch failed (offline)');
      return { ok: true };
    });
    const waiting = [part((m) => m.ok), part((m) => m.ok)];
    for (const call of waiting) await expect(call).rejects.toThrow('offline');
    await expect(part((m) => m.ok)).resolves.toBe(true);
    await expect(part((m) => m.ok)).resolves.toBe(true);
    expect(attempt).toBe(2);
  });
});
