import { describe, expect, it } from 'vitest';
import { materializeChannelRefs } from '../../src/channels/materialize.js';
import type { StreamChannelRef } from '../../src/channels/ref.js';

class Live {
  constructor(readonly ref: StreamChannelRef) {}
}

const readRef: StreamChannelRef = { channel_id: 'a', access_key: 'k', direction: 'read' };
const writeRef: StreamChannelRef = { channel_id: 'b', access_key: 'k', direction: 'write' };

describe('materializeChannelRefs (protocol.md §4.6)', () => {
  it('replaces refs at any depth in objects and arrays, without touching the input', () => {
    const input = {
      top: readRef,
      list: [1, 'x', { deep: [[writeRef]] }],
      nested: { a: { b: { c: readRef, n: null, u: undefined } } },
    };
    const snapshot = structuredClone(input);
    const out = materializeChannelRefs(input, (ref) => new Live(ref)) as typeof input;
    expect(input).toEqual(snapshot);
    expect(out).not.toBe(input);
    expect(out.top).toBeInstanceOf(Live);
    expect((out.top as unknown as Live).ref).toBe(readRef);
    const deep = (out.list[2] as { deep: unknown[][] }).deep[0]?.[0];
    expect(deep).toBeInstanceOf(Live);
    expect((deep as Live).ref.direction).toBe('write');
    expect(out.nested.a.b.c).toBeInstanceOf(Live);
    expect(out.nested.a.b.n).toBeNull();
    expect(out.list.slice(0, 2)).toEqual([1, 'x']);
  });

  it('replaces a top-level ref and returns primitives as they are', () => {
    expect(materializeChannelRefs(readRef, (r) => `live:${r.channel_id}`)).toBe('live:a');
    expect(materializeChannelRefs(42, () => 'x')).toBe(42);
    expect(materializeChannelRefs(null, () => 'x')).toBeNull();
  });

  it('leaves non-plain objects alone and does not treat near-refs as refs', () => {
    const date = new Date(0);
    const bytes = new Uint8Array([1]);
    const instance = new Live(readRef);
    const notRef = { channel_id: 'a', access_key: 'k', direction: 'sideways' };
    const out = materializeChannelRefs({ date, bytes, instance, notRef }, () => 'LIVE') as Record<string, unknown>;
    expect(out.date).toBe(date);
    expect(out.bytes).toBe(bytes);
    expect(out.instance).toBe(instance);
    expect(out.notRef).toEqual(notRef);
    expect(out.notRef).not.toBe(notRef);
  });

  it('keeps "__proto__" keys as data and survives cycles', () => {
    const parsed = JSON.parse('{"__proto__": {"polluted": true}, "r": {"channel_id":"a","access_key":"k","direction":"read"}}');
    const out = materializeChannelRefs(parsed, () => 'LIVE') as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.prototype.hasOwnProperty.call(out, '__proto__')).toBe(true);
    expect(out.r).toBe('LIVE');
    const cyclic: Record<string, unknown> = { ref: readRef };
    cyclic.self = cyclic;
    const copy = materializeChannelRefs(cyclic, () => 'LIVE') as Record<string, unknown>;
    expect(copy.self).toBe(copy);
    expect(copy.ref).toBe('LIVE');
  });
});
