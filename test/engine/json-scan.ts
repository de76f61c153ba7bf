// Scans of a frame's raw JSON text for what JSON.parse hides or tolerates but serde_json does
// not (protocol.md §2.1, §8 item 14): repeated keys and nesting depth.

/**
 * serde_json's default recursion limit is 128: a document that nests 128 arrays/objects (the
 * frame's own object included) fails to decode, so the engine drops the frame (§2.1, §3.14)
 * [inferred from serde_json's `remaining_depth`; the engine does not disable it]. Dropping them
 * here also keeps such data away from JSON.stringify, which throws on deep nesting.
 */
export const MAX_NESTING = 127;

/** Index of the quote closing the string that opens at `open` (-1 when unterminated). */
function closingQuote(text: string, open: number): number {
  let from = open + 1;
  for (;;) {
    const q = text.indexOf('"', from);
    if (q < 0) return -1;
    let backslashes = 0;
    while (text.charCodeAt(q - 1 - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return q;
    from = q + 1;
  }
}

/** True when `text` nests more than `limit` arrays/objects (brackets inside strings skipped). */
export function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      i = closingQuote(text, i);
      if (i < 0) return false; // unterminated: JSON.parse rejects the text anyway
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return false;
}

/**
 * The keys of the top-level JSON object in `text`, in order, repeats included (JSON.parse keeps
 * only the last). `text` must already be known to be valid JSON.
 */
export function topLevelKeys(text: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      const end = closingQuote(text, i);
      if (depth === 1 && expectKey) {
        keys.push(JSON.parse(text.slice(i, end + 1)) as string);
        expectKey = false;
      }
      i = end;
    } else if (c === '{' || c === '[') {
      depth++;
      if (depth === 1 && c === '{') expectKey = true;
    } else if (c === '}' || c === ']') {
      depth--;
    } else if (c === ',' && depth === 1) {
      expectKey = true;
    }
  }
  return keys;
}

/** True when one of `names` is a top-level key of `text` more than once (§8 item 14). */
export function repeatsAnyKey(text: string, names: readonly string[]): boolean {
  // Fast path: when no name's quoted form occurs twice in the text, nothing can repeat.
  // (indexOf from an offset, not lastIndexOf: V8's lastIndexOf crawls a 16 MiB text for 40 ms.)
  const occursTwice = (k: string): boolean => {
    const quoted = `"${k}"`;
    const first = text.indexOf(quoted);
    return first >= 0 && text.indexOf(quoted, first + quoted.length) >= 0;
  };
  if (!names.some(occursTwice)) return false;
  const known = new Set(names);
  const seen = new Set<string>();
  for (const k of topLevelKeys(text)) {
    if (!known.has(k)) continue;
    if (seen.has(k)) return true;
    seen.add(k);
  }
  return false;
}
