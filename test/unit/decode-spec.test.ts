/**
 * The runtime decoder (src/protocol/decode.ts, a table of typeof checks) against the
 * specification (src/protocol/schemas.ts, valibot): for every inbound type and every field, a
 * valid value, null, absent and wrongly typed values must get the same verdict and, when valid,
 * the same output.
 */
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { decodeFrame } from '../../src/protocol/decode.js';
import { inboundSchemas } from '../../src/protocol/schemas.js';

const valid: Record<string, Record<string, unknown>> = {
  workerregistered: { worker_id: 'w', reattach_token: 't' },
  registrationrejected: { code: 'C', namespace: 'default', worker_name: 'n', function_id: 'f', owner_worker_id: 'o' },
  invokefunction: { invocation_id: 'i', function_id: 'f', data: { a: 1 }, traceparent: 'tp', baggage: 'b', metadata: { m: 1 } },
  invocationresult: { invocation_id: 'i', function_id: 'f', result: [1], error: { code: 'c', message: 'm', stacktrace: 's' }, traceparent: 't', baggage: 'b' },
  registertrigger: { id: 'b', trigger_type: 't', function_id: 'f', config: { k: 1 }, metadata: { m: 2 }, namespace: 'n', trigger_namespace: 'tn' },
  unregistertrigger: { id: 'b', trigger_type: 't' },
  triggerregistrationresult: { id: 'b', trigger_type: 't', function_id: 'f', error: { code: 'c', message: 'm' } },
  pong: {},
  error: { error: { code: 'AUTH_ERROR', message: 'no' } },
};

const odd: unknown[] = [null, 0, 7, true, 'text', '', [], ['x'], {}, { code: 'c' }, { code: 'c', message: 'm', stacktrace: 3 }, { code: 1, message: 'm' }];

function cases(): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const [type, fields] of Object.entries(valid)) {
    const base: Record<string, unknown> = { type, ...fields };
    out.push(base, { ...base, extra: 1 });
    for (const key of Object.keys(fields)) {
      const { [key]: _, ...without } = base;
      out.push(without);
      for (const value of odd) out.push({ ...base, [key]: value });
    }
  }
  return out;
}

describe('decodeFrame follows the valibot specification of every inbound frame', () => {
  it('has a schema for exactly the types it decodes', () => {
    for (const type of Object.keys(valid)) expect(inboundSchemas[type], type).toBeDefined();
    expect(Object.keys(inboundSchemas).sort()).toEqual(Object.keys(valid).sort());
  });

  it('same verdict and same output for valid, null, absent and mistyped fields', () => {
    const all = cases();
    expect(all.length).toBeGreaterThan(400);
    for (const frame of all) {
      const expected = v.safeParse(inboundSchemas[frame.type as string]!, frame);
      const got = decodeFrame(JSON.stringify(frame));
      expect(got.kind, JSON.stringify(frame)).toBe(expected.success ? 'frame' : 'invalid');
      if (expected.success && got.kind === 'frame') expect(got.frame, JSON.stringify(frame)).toEqual(expected.output);
      if (!expected.success && got.kind === 'invalid') {
        // The message names the frame type and the field the schema complains about (an array
        // where an error body belongs is refused at the field, by valibot at its first key).
        const key = expected.issues[0].path?.[0]?.key as string | undefined;
        expect(got.message, JSON.stringify(frame)).toContain(`"${frame.type as string}"`);
        if (key) expect(got.message, JSON.stringify(frame)).toContain(key);
      }
    }
  });
});
