/**
 * What JSON cannot carry, found before a call is sent (issue 10 item 5). `JSON.stringify` drops a
 * function or a Symbol without a word (a property disappears, an array slot becomes `null`, a
 * top-level `data` vanishes and the engine drops the frame, §2.1), so the call would end only by
 * its timeout; a BigInt or a cycle throws without saying where. Each is named by its path.
 */

/** Why `value` cannot be sent, as `path: reason`, or `undefined` when it can. */
export function unsendable(value: unknown, path: string): string | undefined {
  try {
    return find(value, path, undefined);
  } catch {
    // Nested past the stack: JSON.stringify decides (it throws, and the caller reports that).
    return undefined;
  }
}

/**
 * After `JSON.stringify` threw: the path of the BigInt or the cycle. `ancestors` holds the
 * objects on the current path, so a cycle is found where it closes.
 */
export function unserializable(value: unknown, path: string): string | undefined {
  try {
    return find(value, path, []);
  } catch {
    return undefined;
  }
}

function find(value: unknown, path: string, ancestors: unknown[] | undefined): string | undefined {
  switch (typeof value) {
    case 'function':
      return `${path}: a function cannot be sent`;
    case 'symbol':
      return `${path}: a Symbol cannot be sent`;
    case 'bigint':
      return `${path}: a BigInt cannot be sent (convert it to a string or a number)`;
    case 'object':
      break;
    default:
      return undefined;
  }
  // What has its own JSON form (a Date) is sent as that form; null is JSON.
  if (value === null || typeof (value as { toJSON?: unknown }).toJSON === 'function') return undefined;
  if (ancestors) {
    if (ancestors.includes(value)) return `${path}: a cycle (the value contains itself)`;
    ancestors.push(value);
  }
  let found: string | undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length && !found; i++) found = find(value[i], `${path}[${i}]`, ancestors);
  } else {
    for (const key of Object.keys(value)) {
      found = find((value as Record<string, unknown>)[key], `${path}.${key}`, ancestors);
      if (found) break;
    }
  }
  ancestors?.pop();
  return found;
}
