/**
 * Decode and encode at the edge: one `JSON.parse`, one table lookup by `type`,
 * a typeof check per field. A frame that fails is reported, never thrown.
 *
 * The rules are those of the valibot schemas in schemas.ts (the specification; a test holds both
 * to the same verdict and output for every type). They are written out here as a table because a
 * page that only calls functions would otherwise download valibot to check six kinds of field.
 */
import type { InboundFrame, OutboundFrame } from './frames.js';

export type DecodeResult =
  | { kind: 'frame'; frame: InboundFrame }
  /** Unknown `type` or blank frame: ignored for forward compatibility (§2.1, §3.14). */
  | { kind: 'ignored'; type: string | undefined }
  | { kind: 'invalid'; message: string };

/** A required string. */
const STR = 0;
/** A string, `null` or absent: `null` and absent are the same for optional fields (§2.1). */
const OPT = 1;
/** Any value, or absent (payloads, configs, metadata: their meaning is the receiver's). */
const ANY = 2;
/** A required `ErrorBody` (§2.1). */
const ERR = 3;
/** An `ErrorBody`, `null` or absent. */
const OPT_ERR = 4;

/** Every inbound frame's fields in schema order (schemas.ts); unknown fields are dropped. */
const FIELDS: Record<string, Record<string, number>> = {
  workerregistered: { worker_id: STR, reattach_token: OPT },
  registrationrejected: { code: STR, namespace: STR, worker_name: OPT, function_id: OPT, owner_worker_id: STR },
  invokefunction: { invocation_id: OPT, function_id: STR, data: ANY, traceparent: OPT, baggage: OPT, metadata: ANY },
  invocationresult: { invocation_id: STR, function_id: STR, result: ANY, error: OPT_ERR, traceparent: OPT, baggage: OPT },
  registertrigger: { id: STR, trigger_type: STR, function_id: STR, config: ANY, metadata: ANY, namespace: OPT, trigger_namespace: OPT },
  unregistertrigger: { id: STR, trigger_type: OPT },
  triggerregistrationresult: { id: STR, trigger_type: STR, function_id: STR, error: OPT_ERR },
  pong: {},
  error: { error: ERR },
};

const ERROR_BODY: Record<string, number> = { code: STR, message: STR, stacktrace: OPT };

let decoder: TextDecoder | undefined;

/** What a field holds, for error messages. */
function shape(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}

/**
 * Copies the known fields of `input` into `out` (the type first, as the schemas do); returns the
 * path and the problem of the first field that breaks its rule.
 */
function pick(input: Record<string, unknown>, fields: Record<string, number>, out: Record<string, unknown>, at: string): string | undefined {
  for (const key in fields) {
    const rule = fields[key]!;
    const present = key in input;
    const value = input[key];
    if (!present && rule !== STR && rule !== ERR) continue;
    if (rule === ANY || ((rule === OPT || rule === OPT_ERR) && value === null)) {
      out[key] = value;
    } else if (rule === STR || rule === OPT) {
      if (typeof value !== 'string') return `${at}${key}: expected a string, got ${present ? shape(value) : 'nothing'}`;
      out[key] = value;
    } else {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        return `${at}${key}: expected an error body {code, message}, got ${present ? shape(value) : 'nothing'}`;
      }
      const body: Record<string, unknown> = {};
      const problem = pick(value as Record<string, unknown>, ERROR_BODY, body, `${at}${key}.`);
      if (problem) return problem;
      out[key] = body;
    }
  }
  return undefined;
}

export function decodeFrame(data: string | Uint8Array): DecodeResult {
  let text: string;
  if (typeof data === 'string') {
    text = data;
  } else {
    // The engine only sends text, but accepts JSON in binary frames (§2.1); be as lenient.
    decoder ??= new TextDecoder();
    text = decoder.decode(data);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    if (text.trim() === '') return { kind: 'ignored', type: undefined };
    return { kind: 'invalid', message: `frame is not JSON: ${(err as Error).message}` };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { kind: 'invalid', message: 'frame is not a JSON object' };
  }
  const type = (parsed as { type?: unknown }).type;
  if (typeof type !== 'string') return { kind: 'invalid', message: 'frame has no string "type"' };
  const hot = hotFrame(type, parsed as Record<string, unknown>);
  if (hot) return { kind: 'frame', frame: hot };
  // An own property only: a frame typed "toString" is unknown, not Object.prototype's.
  const fields = Object.prototype.hasOwnProperty.call(FIELDS, type) ? FIELDS[type] : undefined;
  if (!fields) return { kind: 'ignored', type };
  const frame: Record<string, unknown> = { type };
  const problem = pick(parsed as Record<string, unknown>, fields, frame, '');
  if (problem) return { kind: 'invalid', message: `invalid "${type}" frame at ${problem}` };
  return { kind: 'frame', frame: frame as unknown as InboundFrame };
}

/** An `OPT` field's rule: a string, `null` or absent. */
const optional = (value: unknown): boolean => value === undefined || value === null || typeof value === 'string';

/**
 * The two frames of every call, most of what a client receives, checked with the table's rules
 * and built by one object literal (one shape, no field-by-field copy); absent fields are
 * `undefined`. A frame that breaks a rule goes through the table, which words the problem.
 */
function hotFrame(type: string, p: Record<string, unknown>): InboundFrame | undefined {
  if (type === 'invocationresult') {
    const { invocation_id, function_id, traceparent, baggage } = p;
    if (typeof invocation_id !== 'string' || typeof function_id !== 'string' || !optional(traceparent) || !optional(baggage)) return undefined;
    let error = p.error;
    if (error !== undefined && error !== null) {
      error = errorBody(error);
      if (error === undefined) return undefined;
    }
    return { type, invocation_id, function_id, result: p.result, error, traceparent, baggage } as InboundFrame;
  }
  if (type === 'invokefunction') {
    const { invocation_id, function_id, traceparent, baggage } = p;
    if (typeof function_id !== 'string' || !optional(invocation_id) || !optional(traceparent) || !optional(baggage)) return undefined;
    return { type, invocation_id, function_id, data: p.data, traceparent, baggage, metadata: p.metadata } as InboundFrame;
  }
  return undefined;
}

/** A valid `ErrorBody` (`ERROR_BODY`), copied; `undefined` if it is not one. */
function errorBody(value: unknown): { code: string; message: string; stacktrace: unknown } | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const { code, message, stacktrace } = value as Record<string, unknown>;
  if (typeof code !== 'string' || typeof message !== 'string' || !optional(stacktrace)) return undefined;
  return { code, message, stacktrace };
}

/** Throws (a TypeError from JSON.stringify) when the frame holds a BigInt or a cycle. */
export function encodeFrame(frame: OutboundFrame): string {
  return JSON.stringify(frame);
}
