/**
 * What JSON cannot carry is named by its path before a call is encoded (calls/sendable.ts); the
 * walk builds no path for a value that can be sent, and looks only where JSON.stringify looks.
 */
import { describe, expect, it } from 'vitest';
import { unsendable, type Size } from '../../src/calls/sendable.js';

const check = (value: unknown) => unsendable(value, 'payload', { bytes: 0 });

describe('unsendable', () => {
  it('names the path and the reason of the first value JSON cannot carry', () => {
    const cycle: Record<string, unknown> = { a: 1 };
    cycle.b = { back: cycle };
    expect(check({ a: { b: [1, 2, { c: () => 1 }] } })).toBe('payload.a.b[2].c: a function cannot be sent');
    expect(check([Symbol('s')])).toBe('payload[0]: a Symbol cannot be sent');
    expect(check({ n: 1n })).toBe('payload.n: a BigInt cannot be sent (convert it to a string or a number)');
    expect(check(cycle)).toBe('payload.b.back: a cycle (the value contains itself)');
    expect(check(() => 1)).toBe('payload: a function cannot be sent');
  });

  it('accepts what JSON.stringify accepts: own keys only, toJSON forms, shared (not cyclic) objects', () => {
    function Legacy(this: { x: number }) {
      this.x = 1;
    }
    // An enumerable method on the prototype, as ES5 code wrote them: JSON.stringify skips it.
    (Legacy.prototype as { method: () => void }).method = () => undefined;
    const shared = { s: 1 };
    const values = [new (Legacy as unknown as new () => object)(), new Date(0), { a: shared, b: shared }, [null, 1, 'x', true], null, 3, 'text'];
    for (const v of values) expect(check(v), JSON.stringify(v)).toBeUndefined();
  });

  it('adds up a lower bound of the encoded size: strings and keys', () => {
    const size: Size = { bytes: 0 };
    expect(unsendable({ ab: 'xyz', list: ['q'] }, 'payload', size)).toBeUndefined();
    // "ab": 2+3, "xyz": 3+2, "list": 4+3, "q": 1+2
    expect(size.bytes).toBe(20);
    expect(JSON.stringify({ ab: 'xyz', list: ['q'] }).length).toBeGreaterThanOrEqual(size.bytes);
  });
});
