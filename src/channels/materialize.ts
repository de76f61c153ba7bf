/**
 * Ref materialisation (protocol.md §4.6): the engine gives refs no meaning; by SDK convention any
 * object with string `channel_id`, string `access_key` and `direction` ∈ {read, write}, at any
 * depth, becomes a live reader or writer before the handler runs.
 */
import { isChannelRef, type StreamChannelRef } from './ref.js';

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * A copy of `data` in which every ref inside plain objects and arrays is replaced by
 * `create(ref)`. Non-plain objects (class instances, Dates, typed arrays, Maps, readers already
 * created…) are kept as they are, by reference: they are not JSON payload and may be stateful.
 * A shared sub-object is copied once and a cycle stays a cycle, so the walk always ends.
 */
export function materializeChannelRefs(data: unknown, create: (ref: StreamChannelRef) => unknown): unknown {
  const seen = new Map<object, unknown>();
  const walk = (value: unknown): unknown => {
    if (value === null || typeof value !== 'object') return value;
    if (seen.has(value)) return seen.get(value);
    if (Array.isArray(value)) {
      const out: unknown[] = [];
      seen.set(value, out);
      for (const item of value) out.push(walk(item));
      return out;
    }
    if (!isPlainObject(value)) return value;
    if (isChannelRef(value)) {
      const live = create(value);
      seen.set(value, live);
      return live;
    }
    const out: Record<string, unknown> = {};
    seen.set(value, out);
    for (const [key, item] of Object.entries(value)) {
      // defineProperty, not assignment: a JSON key "__proto__" must stay data, not a prototype.
      Object.defineProperty(out, key, { value: walk(item), enumerable: true, writable: true, configurable: true });
    }
    return out;
  };
  return walk(data);
}
