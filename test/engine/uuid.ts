// UUID parsing as the engine's `uuid` crate accepts it (protocol.md §2.1, §8 items 10–11).
import { randomUUID } from 'node:crypto';

const HEX32 = /^[0-9a-fA-F]{32}$/;
const HYPHENATED = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/**
 * Parses any spelling the Rust `uuid` crate accepts (§8 item 11): 32 hex digits, hyphenated
 * 8-4-4-4-12, hyphenated inside `{…}`, or `urn:uuid:` + hyphenated; any version, nil included.
 * Returns the canonical lower-case hyphenated form, or `undefined` when unparseable.
 */
export function parseUuid(value: string): string | undefined {
  let s = value;
  if (s.length === 38 && s.startsWith('{') && s.endsWith('}')) s = s.slice(1, -1);
  else if (s.length === 45 && s.startsWith('urn:uuid:')) s = s.slice(9);
  if (HYPHENATED.test(s)) return s.toLowerCase();
  if (HEX32.test(s)) {
    const h = s.toLowerCase();
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
  return undefined;
}

/** A fresh lower-case hyphenated UUID v4. */
export function newUuid(): string {
  return randomUUID();
}
