// W3C baggage as the real engine rewrites it for an enqueue (protocol.md §3.6, §8 item 44): the
// caller's `baggage` header is read by OpenTelemetry's BaggagePropagator (opentelemetry_sdk 0.31),
// `iii.function.id` is set to the enqueued function, and the header is written again
// (`baggage_with_function_id`, engine/src/workers/observability/otel.rs). The rules below are
// those of that propagator and of `opentelemetry::baggage::Baggage`, so the provider gets what
// it would get from the real engine; only the order of the members differs (the real one is its
// hash map's, i.e. unspecified; here the caller's order, `iii.function.id` last).
import { trimRust } from './namespaces.js';

const FUNCTION_ID_KEY = 'iii.function.id';
/** `Baggage` limits: entries, and bytes of key + value + metadata of all entries. */
const MAX_ENTRIES = 64;
const MAX_BYTES = 8192;
/** Bytes a key may not contain besides non-graphic ones (`INVALID_ASCII_KEY_CHARS`). */
const INVALID_KEY_BYTES = new Set([...'(),/:;<=>?@[\\]{}"'].map((c) => c.charCodeAt(0)));
/** Bytes percent-encoded on the way out besides controls and non-ASCII (the propagator's `FRAGMENT`). */
const ENCODED_BYTES = new Set([...' ";,='].map((c) => c.charCodeAt(0)));

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const isHex = (c: string | undefined): boolean => c !== undefined && /^[0-9A-Fa-f]$/.test(c);

/** `percent_decode_str(..).decode_utf8()`: `%XX` becomes the byte, a lone `%` stays; `undefined` when not UTF-8. */
function percentDecode(s: string): string | undefined {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '%' && isHex(s[i + 1]) && isHex(s[i + 2])) {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      for (const b of utf8.encode(s[i]!)) bytes.push(b);
    }
  }
  try {
    return strictUtf8.decode(new Uint8Array(bytes));
  } catch {
    return undefined;
  }
}

function percentEncode(s: string): string {
  let out = '';
  for (const b of utf8.encode(s)) {
    out += b < 0x20 || b >= 0x7f || ENCODED_BYTES.has(b) ? `%${b.toString(16).toUpperCase().padStart(2, '0')}` : String.fromCharCode(b);
  }
  return out;
}

const byteLength = (s: string): number => utf8.encode(s).length;

/** `opentelemetry::baggage::Baggage` (metadata dropped: the engine never keeps it, see below). */
class Baggage {
  readonly entries = new Map<string, string>();
  private bytes = 0;

  /** `insert_with_metadata`: an invalid key, a 65th entry or going over 8192 bytes is refused. */
  insert(key: string, value: string, metadata = ''): void {
    const size = byteLength(key) + byteLength(value) + byteLength(metadata);
    const old = this.entries.get(key);
    if (old !== undefined) {
      const next = this.bytes + size - (byteLength(key) + byteLength(old));
      if (next > MAX_BYTES) return;
      this.bytes = next;
      this.entries.set(key, value);
      return;
    }
    const validKey = key !== '' && [...utf8.encode(key)].every((b) => b > 0x20 && b < 0x7f && !INVALID_KEY_BYTES.has(b));
    if (!validKey || this.entries.size === MAX_ENTRIES || this.bytes + size > MAX_BYTES) return;
    this.bytes += size;
    this.entries.set(key, value);
  }
}

/** `BaggagePropagator::extract`: members split on `,`, properties on `;`, key and value on `=`. */
function extract(header: string): Baggage {
  const baggage = new Baggage();
  if (header === '') return baggage;
  for (const member of header.split(',')) {
    const [nameAndValue = '', ...props] = member.split(';');
    const parts = nameAndValue.split('=');
    if (parts.length < 2) continue; // not key=value: skipped with a warning
    const name = percentDecode(parts[0]!);
    const value = percentDecode(parts[1]!); // the real propagator keeps only what precedes a second `=`
    if (name === undefined || value === undefined) continue;
    const metadata = props
      .map(percentDecode)
      .filter((p): p is string => p !== undefined)
      .map(trimRust)
      .join(';');
    baggage.insert(trimRust(name), trimRust(value), metadata);
  }
  return baggage;
}

/**
 * The `baggage` of the provider's input: the caller's entries (their properties dropped, as
 * `with_function_id_baggage` rebuilds them from key and value) with `iii.function.id` replaced by
 * `functionId`; `null` only when nothing is left, as the real engine then injects no header.
 */
export function baggageWithFunctionId(header: string | undefined, functionId: string): string | null {
  const rebuilt = new Baggage();
  for (const [key, value] of extract(header ?? '').entries) if (key !== FUNCTION_ID_KEY) rebuilt.insert(key, value);
  rebuilt.insert(FUNCTION_ID_KEY, functionId);
  if (rebuilt.entries.size === 0) return null;
  return [...rebuilt.entries].map(([key, value]) => `${percentEncode(trimRust(key))}=${percentEncode(trimRust(value))}`).join(',');
}
