// `LOGS` telemetry frames (protocol.md §2.1, §2.3 "Telemetry", §8 item 45): the OTLP/JSON
// `ExportLogsServiceRequest` an SDK's OpenTelemetry log exporter sends after the 4-byte prefix,
// decoded the way the real engine's serde types decode it (`ingest_otlp_logs` and the `Otlp*`
// structs of engine/src/workers/observability/otel.rs) and turned into stored records. Any field
// of the wrong type makes the whole frame fail, so nothing of it is stored; unknown fields are
// ignored; absent lists are empty.
import { byteCompare } from './functions.js';
import { MAX_NESTING, nestsDeeperThan } from './json-scan.js';
import type { StoredLog } from './log-store.js';

export class OtlpDecodeError extends Error {}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const get = (o: Obj, k: string): unknown => (Object.hasOwn(o, k) ? o[k] : undefined);
const bad = (what: string): never => {
  throw new OtlpDecodeError(what);
};

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;
const U64_MAX = 2n ** 64n - 1n;

/** A JSON value of an attribute or a kvlist: doubles are kept apart from integers (see `serdeJson`). */
export class F64 {
  constructor(readonly value: number) {}
  toJSON(): number {
    return this.value;
  }
}

/** A `#[serde(default)] Vec<_>`: absent = empty; `null` or anything else but an array fails. */
function list(o: Obj, k: string): unknown[] {
  const v = get(o, k);
  if (v === undefined) return [];
  return Array.isArray(v) ? v : bad(`${k}: expected a sequence`);
}

/** An `Option<_>` field: absent and `null` = none. */
function opt<T>(o: Obj, k: string, check: (v: unknown) => v is T, expected: string): T | undefined {
  const v = get(o, k);
  if (v === undefined || v === null) return undefined;
  return check(v) ? v : bad(`${k}: expected ${expected}`);
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isNumber = (v: unknown): v is number => typeof v === 'number';
const isBool = (v: unknown): v is boolean => typeof v === 'boolean';
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/** `OtlpNumericString`: a non-negative integer, or a string of one; absent = 0. */
function unsigned(o: Obj, k: string): bigint {
  const v = get(o, k);
  if (v === undefined) return 0n;
  if (isInt(v) && v >= 0) return BigInt(v);
  if (typeof v === 'string' && /^\+?[0-9]+$/.test(v) && BigInt(v) <= U64_MAX) return BigInt(v);
  return bad(`${k}: expected a number or a string containing a number`);
}

/** `intValue`: an i64 as a JSON integer or a string of one. */
function int64(o: Obj, k: string): bigint | undefined {
  const v = get(o, k);
  if (v === undefined || v === null) return undefined;
  const n = isInt(v) ? BigInt(v) : typeof v === 'string' && /^[+-]?[0-9]+$/.test(v) ? BigInt(v) : bad(`${k}: expected an integer`);
  return n >= I64_MIN && n <= I64_MAX ? n : bad(`${k}: out of range for i64`);
}

/** `Option<i32>` / `Option<u32>`. */
function int(o: Obj, k: string, min: number, max: number): number | undefined {
  const v = opt(o, k, isInt, 'an integer');
  return v === undefined || (v >= min && v <= max) ? v : bad(`${k}: out of range`);
}

/** Scope `name`/`version`: a string, or `null`/absent = empty. */
function stringOrEmpty(o: Obj, k: string): string {
  return opt(o, k, isString, 'a string or null') ?? '';
}

interface AnyValue {
  string?: string;
  int?: bigint;
  double?: number;
  bool?: boolean;
  kvlist?: Array<[string, AnyValue | undefined]>;
  array?: AnyValue[];
}

function anyValue(v: unknown): AnyValue {
  if (!isObj(v)) return bad('AnyValue: expected a map');
  const out: AnyValue = {};
  const s = opt(v, 'stringValue', isString, 'a string');
  if (s !== undefined) out.string = s;
  const i = int64(v, 'intValue');
  if (i !== undefined) out.int = i;
  const d = opt(v, 'doubleValue', isNumber, 'a number');
  if (d !== undefined) out.double = d;
  const b = opt(v, 'boolValue', isBool, 'a boolean');
  if (b !== undefined) out.bool = b;
  const kv = opt(v, 'kvlistValue', isObj, 'a map');
  if (kv !== undefined) out.kvlist = list(kv, 'values').map(keyValue);
  const arr = opt(v, 'arrayValue', isObj, 'a map');
  if (arr !== undefined) out.array = list(arr, 'values').map(anyValue);
  return out;
}

function keyValue(v: unknown): [string, AnyValue | undefined] {
  if (!isObj(v)) return bad('KeyValue: expected a map');
  const key = get(v, 'key');
  if (typeof key !== 'string') return bad('KeyValue.key: expected a string');
  const value = get(v, 'value');
  return [key, value === undefined || value === null ? undefined : anyValue(value)];
}

/** Rust's `Display` of an f64: never an exponent (`1e21` → `1000000000000000000000`). */
export function rustF64(v: number): string {
  const s = String(v);
  const e = s.indexOf('e');
  if (e < 0) return s;
  const sign = s.startsWith('-') ? '-' : '';
  const mantissa = s.slice(sign.length, e);
  const digits = mantissa.replace('.', '');
  const point = (mantissa.includes('.') ? mantissa.indexOf('.') : mantissa.length) + Number(s.slice(e + 1));
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  return `${sign}${digits}${'0'.repeat(Math.max(0, point - digits.length))}`;
}

/** How serde_json writes an f64: `3.0`, `0.00001`, `1e-6`, `1e+16`. */
function serdeF64(v: number): string {
  if (v === 0) return '0.0';
  const a = Math.abs(v);
  if (a >= 1e16 || a < 1e-5) return v.toExponential();
  return Number.isInteger(v) ? `${v}.0` : String(v);
}

/** serde_json's text of a JSON value with `F64` doubles (integers plain, doubles as `serdeF64`). */
function serdeJson(v: unknown): string {
  if (v instanceof F64) return serdeF64(v.value);
  if (Array.isArray(v)) return `[${v.map(serdeJson).join(',')}]`;
  if (isObj(v)) return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}:${serdeJson(x)}`).join(',')}}`;
  return JSON.stringify(v);
}

function primitiveString(a: AnyValue): string | undefined {
  if (a.string !== undefined) return a.string;
  if (a.int !== undefined) return a.int.toString();
  if (a.double !== undefined) return rustF64(a.double);
  return a.bool === undefined ? undefined : String(a.bool);
}

/** `to_serde_json_value`: keys of a kvlist in byte order (a serde_json map), entries without a value skipped. */
function toJson(a: AnyValue): unknown {
  if (a.string !== undefined) return a.string;
  if (a.int !== undefined) return Number(a.int);
  if (a.double !== undefined) return new F64(a.double);
  if (a.bool !== undefined) return a.bool;
  if (a.kvlist !== undefined) return kvMap(a.kvlist);
  if (a.array !== undefined) return a.array.map(toJson);
  return null;
}

function kvMap(entries: Array<[string, AnyValue | undefined]>): Obj {
  const out: Obj = {};
  for (const [k, v] of [...entries].sort(([a], [b]) => byteCompare(a, b))) if (v !== undefined) out[k] = toJson(v);
  return out;
}

/** `to_string_value`: a primitive as text, a kvlist or array as its JSON, else empty. */
function toText(a: AnyValue): string {
  const p = primitiveString(a);
  if (p !== undefined) return p;
  if (a.kvlist !== undefined || a.array !== undefined) return serdeJson(toJson(a));
  return '';
}

const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

/** The records of one `LOGS` payload (the JSON after the prefix); throws `OtlpDecodeError` when it does not decode. */
export function decodeOtlpLogs(json: string): StoredLog[] {
  // serde_json's recursion limit (§8 item 14 applies to this document too); also keeps the
  // recursive decoding here shallow.
  if (nestsDeeperThan(json, MAX_NESTING)) return bad('recursion limit exceeded');
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch (e) {
    return bad(`not JSON: ${(e as Error).message}`);
  }
  if (!isObj(doc)) return bad('expected an ExportLogsServiceRequest map');
  const out: StoredLog[] = [];
  for (const rl of list(doc, 'resourceLogs')) {
    if (!isObj(rl)) return bad('resourceLogs[]: expected a map');
    const resource = opt(rl, 'resource', isObj, 'a map');
    const resourceAttrs = resource === undefined ? [] : list(resource, 'attributes').map(keyValue);
    const resourceMap: Record<string, string> = {};
    let serviceName: string | undefined;
    for (const [k, v] of resourceAttrs) {
      if (v === undefined) continue;
      resourceMap[k] = toText(v);
      if (k === 'service.name' && serviceName === undefined) serviceName = toText(v);
    }
    for (const sl of list(rl, 'scopeLogs')) {
      if (!isObj(sl)) return bad('scopeLogs[]: expected a map');
      const scope = opt(sl, 'scope', isObj, 'a map');
      const scopeName = scope === undefined ? '' : stringOrEmpty(scope, 'name');
      const scopeVersion = scope === undefined ? '' : stringOrEmpty(scope, 'version');
      for (const r of list(sl, 'logRecords')) {
        if (!isObj(r)) return bad('logRecords[]: expected a map');
        const body = opt(r, 'body', isObj, 'a map');
        const traceId = opt(r, 'traceId', isString, 'a string');
        const spanId = opt(r, 'spanId', isString, 'a string');
        int(r, 'flags', 0, 2 ** 32 - 1);
        const log: StoredLog = {
          timestamp_unix_nano: unsigned(r, 'timeUnixNano'),
          observed_timestamp_unix_nano: unsigned(r, 'observedTimeUnixNano'),
          severity_number: int(r, 'severityNumber', -(2 ** 31), 2 ** 31 - 1) ?? 0,
          severity_text: opt(r, 'severityText', isString, 'a string') ?? '',
          body: body === undefined ? '' : toText(anyValue(body)),
          attributes: kvMap(list(r, 'attributes').map(keyValue)),
          trace_id: traceId === undefined || traceId === '' || traceId === ZERO_TRACE ? null : traceId,
          span_id: spanId === undefined || spanId === '' || spanId === ZERO_SPAN ? null : spanId,
          resource: { ...resourceMap },
          service_name: serviceName ?? 'unknown',
        };
        if (scopeName !== '') log.instrumentation_scope_name = scopeName;
        if (scopeVersion !== '') log.instrumentation_scope_version = scopeVersion;
        out.push(log);
      }
    }
  }
  return out;
}
