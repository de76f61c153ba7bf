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
