/**
 * `iii-sdk`'s free channel helpers (its `iii-sdk/helpers` module), with the same names and
 * shapes, so code written for it runs with one import changed: `createChannel(iii, bufferSize?)`,
 * `isChannelRef`, `extractChannelRefs`, `ChannelDirection` and `ChannelItem`.
 */
import type { Channel } from './ends.js';
import { isChannelRef, type StreamChannelRef } from './ref.js';

export { isChannelRef };

/** The `direction` of a ref, from the worker's point of view (protocol.md §4.1). */
export const ChannelDirection = {
  Read: 'read',
  Write: 'write',
} as const;
export type ChannelDirection = (typeof ChannelDirection)[keyof typeof ChannelDirection];

/** One frame of a channel: a text message or a binary chunk (§4.3), tagged by `type`. */
export type ChannelItem = { type: 'text'; value: string } | { type: 'binary'; value: Uint8Array };

export const ChannelItem = {
  /** A text item. */
  Text(value: string): ChannelItem {
    return { type: 'text', value };
  },
  /** A binary item. */
  Binary(value: Uint8Array): ChannelItem {
    return { type: 'binary', value };
  },
} as const;

/**
 * Creates a data channel: the same as `iii.createChannel(bufferSize)` (`engine::channels::create`,
 * §4.1), in `iii-sdk`'s free-function form. The ends are those of the entry that made `iii`.
 * @param bufferSize engine-side queue capacity in messages (1–1024). @default 64
 */
export function createChannel<TReader, TWriter>(
  iii: { createChannel(bufferSize?: number): Promise<Channel<TReader, TWriter>> },
  bufferSize?: number,
): Promise<Channel<TReader, TWriter>> {
  return iii.createChannel(bufferSize);
}

/**
 * Every ref (§4.6) in `data`, at any depth, with its path: `[path, ref]` pairs in document
 * order, the path written `a.b[2].c` (`''` for `data` itself), as `iii-sdk` writes it. A ref's
 * own fields are not searched. Unlike `iii-sdk`'s, a cycle does not recurse forever: an object
 * inside itself is not searched again (a shared one is, at each of its paths).
 */
export function extractChannelRefs(data: unknown): Array<[string, StreamChannelRef]> {
  const found: Array<[string, StreamChannelRef]> = [];
  const inside = new Set<object>();
  const walk = (value: unknown, path: string): void => {
    if (value === null || typeof value !== 'object' || inside.has(value)) return;
    if (isChannelRef(value)) {
      found.push([path, value]);
      return;
    }
    inside.add(value);
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) walk(value[i], `${path}[${i}]`);
    } else {
      for (const [key, item] of Object.entries(value)) walk(item, path === '' ? key : `${path}.${key}`);
    }
    inside.delete(value);
  };
  walk(data, '');
  return found;
}
