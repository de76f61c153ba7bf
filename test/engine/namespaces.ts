// Namespace helpers and worker-text sanitizing (protocol.md §1.2, §3.8, §8 items 8 and 30).

export const DEFAULT_NS = 'default';

/** Registry key of `(namespace, id)`. */
export function nsKey(namespace: string, id: string): string {
  return `${namespace}\u0000${id}`;
}

export function isBlank(s: string): boolean {
  return s.trim() === '';
}

/** §8 item 30: invoke / trigger blank-namespace text. */
export function blankFieldMessage(field: 'namespace' | 'trigger_namespace'): string {
  return `\`${field}\` is empty: it was named and left blank. Give it a name, or omit it to use \`default\`.`;
}

/** §8 item 30: `engine::workers::register` blank-namespace text. */
export function blankRegisterMessage(name: string | undefined, value: string): string {
  return `namespace is empty: worker '${name ?? '<unnamed>'}' declared "${value}". Give it a name, or omit the field to register in 'default'.`;
}

// Rust `char::is_whitespace` (White_Space property); unlike JS `\s` it excludes U+FEFF.
const RUST_WS = '[\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]+';
const RUST_TRIM = new RegExp(`^${RUST_WS}|${RUST_WS}$`, 'g');

/** Rust's `str::trim`. */
export function trimRust(s: string): string {
  return s.replace(RUST_TRIM, '');
}

/** §8 item 8: control chars (C0, DEL, C1) and bidi/line-separator chars are unsafe. */
function isUnsafeDisplayChar(cp: number): boolean {
  if (cp <= 0x1f || (cp >= 0x7f && cp <= 0x9f)) return true;
  if (cp >= 0x202a && cp <= 0x202e) return true;
  if (cp >= 0x2066 && cp <= 0x2069) return true;
  return cp === 0x2028 || cp === 0x2029;
}

/**
 * §8 item 8: strip unsafe chars, keep the first 280 Unicode scalar values, trim Unicode
 * whitespace; empty → undefined.
 */
export function sanitizeWorkerText(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const kept: string[] = [];
  for (const ch of value) {
    if (isUnsafeDisplayChar(ch.codePointAt(0) ?? 0)) continue;
    kept.push(ch);
    if (kept.length === 280) break;
  }
  const out = trimRust(kept.join(''));
  return out === '' ? undefined : out;
}
