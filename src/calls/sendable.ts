/**
 * What JSON cannot carry, found before a call is encoded (issue 10 items 4 and 5).
 * `JSON.stringify` drops a function or a Symbol without a word (a property disappears, an array
 * slot becomes `null`, a top-level `data` vanishes and the engine drops the frame, §2.1), so the
 * call would end only by its timeout; a BigInt or a cycle throws without saying where. Each is
 * named by its path. The same walk adds up a lower bound of the encoded size, so that a payload far
 * over the limit is refused without paying for its encoding (50 MiB takes ~0.75 s to stringify on
 * a busy 2-core machine).
 */

/** The walk's running total: a lower bound of the UTF-8 bytes of the JSON (strings and keys). */
export interface Size {
  bytes: number;
}

/** Why `value` cannot be sent, as `path: reason`, or `undefined` when it can (`size` grows meanwhile). */
export function unsendable(value: unknown, path: string, size: Size): string | undefined {
  if (value === undefined) return undefined;
  try {
    const found = find(value, [], size);
    return found && `${path}${found.path}: ${found.reason}`;
  } catch {
    // Nested past the stack: JSON.stringify decides (it throws, and the caller reports that).
    return undefined;
  }
}

/** What cannot be sent, and where: `path` is built on the way back up, so a value that can be sent allocates no path. */
interface Found {
  path: string;
  reason: string;
}

const own = Object.prototype.hasOwnProperty;

/** `ancestors`: the objects on the current path, so a cycle is found where it closes. */
function find(value: unknown, ancestors: unknown[], size: Size): Found | undefined {
  switch (typeof value) {
    case 'string':
      // Each UTF-16 unit is at least one byte, plus the quotes.
      size.bytes += value.length + 2;
      return undefined;
    case 'function':
      return { path: '', reason: 'a function cannot be sent' };
    case 'symbol':
      return { path: '', reason: 'a Symbol cannot be sent' };
    case 'bigint':
      return { path: '', reason: 'a BigInt cannot be sent (convert it to a string or a number)' };
    case 'object':
      break;
    default:
      return undefined;
  }
  // What has its own JSON form (a Date) is sent as that form; null is JSON.
  if (value === null || typeof (value as { toJSON?: unknown }).toJSON === 'function') return undefined;
  if (ancestors.includes(value)) return { path: '', reason: 'a cycle (the value contains itself)' };
  ancestors.push(value);
  let found: Found | undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      found = find(value[i], ancestors, size);
      if (found) {
        found.path = `[${i}]${found.path}`;
        break;
      }
    }
  } else {
    // JSON.stringify's keys: own and enumerable (for-in adds inherited ones, skipped here), in
    // Object.keys order; for-in builds no key array.
    for (const key in value) {
      if (!own.call(value, key)) continue;
      size.bytes += key.length + 3;
      found = find((value as Record<string, unknown>)[key], ancestors, size);
      if (found) {
        found.path = `.${key}${found.path}`;
        break;
      }
    }
  }
  ancestors.pop();
  return found;
}
