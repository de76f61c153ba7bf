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

/** Past this depth the scan stops and answers "maybe" (the full walk handles cycles). */
const SCAN_DEPTH = 64;

function scan(value: unknown, depth: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (depth > SCAN_DEPTH) return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (scan(value[i], depth + 1)) return true;
    return false;
  }
  if (!isPlainObject(value)) return false;
  if (isChannelRef(value)) return true;
  // for-in uses V8's enum cache: no key array is built.
  for (const key in value) if (scan((value as Record<string, unknown>)[key], depth + 1)) return true;
  return false;
}

/**
 * Whether `data` may hold a ref (§4.6). Allocates nothing, so the common payload without refs
 * costs one pass of typeof checks instead of the copy `materializeChannelRefs` makes.
 */
export function containsChannelRef(data: unknown): boolean {
  return scan(data, 0);
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
      // Assignment is V8's fast path; only a key "__proto__" needs defineProperty to stay data
      // instead of becoming the prototype.
      if (key === '__proto__') Object.defineProperty(out, key, { value: walk(item), enumerable: true, writable: true, configurable: true });
      else out[key] = walk(item);
    }
    return out;
  };
  return walk(data);
}
