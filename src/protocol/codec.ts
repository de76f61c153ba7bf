/**
 * Encode/decode at the edge (PRACTICES.md 10): one `JSON.parse`, one schema lookup by `type`,
 * one valibot pass. A frame that fails is reported, never thrown.
 */
import * as v from 'valibot';
import { inboundSchemas, type InboundFrame, type OutboundFrame } from './frames.js';

export type DecodeResult =
  | { kind: 'frame'; frame: InboundFrame }
  /** Unknown `type` or blank frame: ignored for forward compatibility (§2.1, §3.14). */
  | { kind: 'ignored'; type: string | undefined }
  | { kind: 'invalid'; message: string };

let decoder: TextDecoder | undefined;

const isStr = (x: unknown): boolean => typeof x === 'string';
const isOptStr = (x: unknown): boolean => x === undefined || x === null || typeof x === 'string';
const INVOKE_KEYS = ['type', 'invocation_id', 'function_id', 'data', 'traceparent', 'baggage', 'metadata'] as const;
const RESULT_KEYS = ['type', 'invocation_id', 'function_id', 'result', 'error', 'traceparent', 'baggage'] as const;
const ERROR_KEYS = ['code', 'message', 'stacktrace'] as const;

/** The known keys that are present, as valibot's object schemas output them (unknown keys dropped). */
function pick(f: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (k in f) out[k] = f[k];
  return out;
}

/**
 * The two frames of every call, checked by hand with the rules of their schemas in frames.ts
 * (InvokeFunctionSchema, InvocationResultSchema, ErrorBodySchema): valibot costs about as much
 * as JSON.parse of a small frame, this a few typeof checks. A frame that fails here is not
 * rejected: valibot then decides and words the error.
 */
function hotFrame(type: string, f: Record<string, unknown>): Record<string, unknown> | undefined {
  if (!isStr(f.function_id) || !isOptStr(f.traceparent) || !isOptStr(f.baggage)) return undefined;
  if (type === 'invokefunction') return isOptStr(f.invocation_id) ? pick(f, INVOKE_KEYS) : undefined;
  if (type !== 'invocationresult' || !isStr(f.invocation_id)) return undefined;
  const e = f.error;
  if (e === undefined || e === null) return pick(f, RESULT_KEYS);
  if (typeof e !== 'object' || Array.isArray(e)) return undefined;
  const b = e as Record<string, unknown>;
  if (!isStr(b.code) || !isStr(b.message) || !isOptStr(b.stacktrace)) return undefined;
  return { ...pick(f, RESULT_KEYS), error: pick(b, ERROR_KEYS) };
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
  if (text.trim() === '') return { kind: 'ignored', type: undefined };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return { kind: 'invalid', message: `frame is not JSON: ${(err as Error).message}` };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { kind: 'invalid', message: 'frame is not a JSON object' };
  }
  const type = (parsed as { type?: unknown }).type;
  if (typeof type !== 'string') return { kind: 'invalid', message: 'frame has no string "type"' };
  const hot = type === 'invokefunction' || type === 'invocationresult' ? hotFrame(type, parsed as Record<string, unknown>) : undefined;
  if (hot) return { kind: 'frame', frame: hot as unknown as InboundFrame };
  const schema = Object.prototype.hasOwnProperty.call(inboundSchemas, type) ? inboundSchemas[type] : undefined;
  if (!schema) return { kind: 'ignored', type };
  const result = v.safeParse(schema, parsed);
  if (!result.success) {
    const issue = result.issues[0];
    const path = issue.path?.map((p) => String(p.key)).join('.') ?? '';
    return { kind: 'invalid', message: `invalid "${type}" frame${path ? ` at ${path}` : ''}: ${issue.message}` };
  }
  return { kind: 'frame', frame: result.output };
}

/** Throws (a TypeError from JSON.stringify) when the frame holds a BigInt or a cycle. */
export function encodeFrame(frame: OutboundFrame): string {
  return JSON.stringify(frame);
}
