/**
 * Invocation ids on Node (platform/node/uuid.ts): RFC 9562 version 4 UUIDs, lower-case and
 * hyphenated as the engine re-emits them (§2.1), drawn from the CSPRNG in batches.
 */
import { describe, expect, it } from 'vitest';
import { flatRandomUUID } from '../../platform/node/uuid.js';

const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('Node invocation ids', () => {
  it('are version 4 UUIDs, all different across many batches', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) {
      const id = flatRandomUUID();
      expect(id).toMatch(V4);
      seen.add(id);
    }
    expect(seen.size).toBe(20_000);
  });

  it('use every hex digit evenly in their random positions', () => {
    const counts = new Array<number>(16).fill(0);
    const n = 16_000;
    for (let i = 0; i < n; i++) {
      const id = flatRandomUUID();
      counts[parseInt(id[0]!, 16)]!++;
      counts[parseInt(id[35]!, 16)]!++;
    }
    // 2,000 expected per digit; a bias of a whole bit would be off by 100 %.
    for (const c of counts) expect(Math.abs(c - 2000)).toBeLessThan(300);
  });
});
