/**
 * Invocation ids: UUID v4 strings (protocol.md §2.1), each one flat string. Node's
 * `crypto.randomUUID()` builds its result by concatenating about twenty pieces, which V8 keeps as
 * a tree of strings (~470 bytes) until something reads it whole; the pending-call table keeps
 * every id as a key for as long as the call waits (56 bytes when flat). The bytes come from the
 * same CSPRNG, drawn in batches as Node's own randomUUID does; nothing is drawn before the first id.
 */
import { randomFillSync } from 'node:crypto';

const IDS_PER_DRAW = 256;
let pool: Buffer | undefined;
let at = 0;
/** Two hex digits per byte value, as two ASCII codes in one little-endian 16-bit word. */
let pairs: Uint16Array | undefined;
/** The id being written: 36 ASCII bytes with the dashes in place. */
let out: Buffer | undefined;
let view: DataView | undefined;

export function flatRandomUUID(): string {
  if (!pool || at === pool.length) {
    pool ??= Buffer.allocUnsafe(16 * IDS_PER_DRAW);
    randomFillSync(pool);
    at = 0;
  }
  if (!pairs) {
    const hex = '0123456789abcdef';
    pairs = new Uint16Array(256);
    for (let v = 0; v < 256; v++) pairs[v] = hex.charCodeAt(v >> 4) | (hex.charCodeAt(v & 15) << 8);
    out = Buffer.alloc(36, '-');
    view = new DataView(out.buffer, out.byteOffset, 36);
  }
  const p = pool;
  const i = at;
  at += 16;
  const w = view!;
  const hex2 = pairs;
  // xxxxxxxx-xxxx-4xxx-Nxxx-xxxxxxxxxxxx: version 4 in byte 6, variant 10xx in byte 8 (RFC 9562).
  w.setUint16(0, hex2[p[i]!]!, true);
  w.setUint16(2, hex2[p[i + 1]!]!, true);
  w.setUint16(4, hex2[p[i + 2]!]!, true);
  w.setUint16(6, hex2[p[i + 3]!]!, true);
  w.setUint16(9, hex2[p[i + 4]!]!, true);
  w.setUint16(11, hex2[p[i + 5]!]!, true);
  w.setUint16(14, hex2[(p[i + 6]! & 0x0f) | 0x40]!, true);
  w.setUint16(16, hex2[p[i + 7]!]!, true);
  w.setUint16(19, hex2[(p[i + 8]! & 0x3f) | 0x80]!, true);
  w.setUint16(21, hex2[p[i + 9]!]!, true);
  for (let k = 10, o = 24; k < 16; k++, o += 2) w.setUint16(o, hex2[p[i + k]!]!, true);
  return out!.toString('latin1', 0, 36);
}
