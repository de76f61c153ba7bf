import { describe, expect, it } from 'vitest';
import { decodeFrame, MessageType } from '../../src/protocol/index.js';

describe('inbound frame validation', () => {
  it('accepts every engine → worker frame of §2.3', () => {
    const frames = [
      { type: 'workerregistered', worker_id: 'w', reattach_token: 't' },
      { type: 'registrationrejected', code: 'FUNCTION_NAMESPACE_CONFLICT', namespace: 'default', function_id: 'f', owner_worker_id: 'o' },
      { type: 'invokefunction', invocation_id: 'i', function_id: 'f', data: { a: 1 }, traceparent: 'tp', baggage: 'b', metadata: { m: 1 } },
      { type: 'invocationresult', invocation_id: 'i', function_id: 'f', result: 5 },
      { type: 'invocationresult', invocation_id: 'i', function_id: 'f', error: { code: 'c', message: 'm' } },
      { type: 'registertrigger', id: 'b', trigger_type: 't', function_id: 'f', config: null },
      { type: 'unregistertrigger', id: 'b', trigger_type: 't' },
      { type: 'triggerregistrationresult', id: 'b', trigger_type: 't', function_id: 'f', error: { code: 'c', message: 'm' } },
      { type: 'pong' },
      { type: 'error', error: { code: 'AUTH_ERROR', message: 'invalid token' } },
    ];
    for (const f of frames) {
      const r = decodeFrame(JSON.stringify(f));
      expect(r.kind, JSON.stringify(f)).toBe('frame');
    }
  });

  it('keeps payloads by value and treats null optionals as absent', () => {
    const r = decodeFrame('{"type":"invokefunction","invocation_id":null,"function_id":"f","data":[1,{"b":2}],"extra":1}');
    expect(r).toEqual({
      kind: 'frame',
      frame: { type: 'invokefunction', invocation_id: null, function_id: 'f', data: [1, { b: 2 }] },
    });
  });

  it('rejects a missing required field, naming it', () => {
    const r = decodeFrame('{"type":"invocationresult","function_id":"f"}');
    expect(r.kind).toBe('invalid');
    expect(r.kind === 'invalid' && r.message).toMatch(/invocationresult.*invocation_id/);
  });

  it('rejects a wrong type and an incomplete error body', () => {
    expect(decodeFrame('{"type":"workerregistered","worker_id":5}').kind).toBe('invalid');
    expect(decodeFrame('{"type":"invocationresult","invocation_id":"i","function_id":"f","error":{"code":"x"}}').kind).toBe('invalid');
  });

  it('rejects non-JSON, non-objects and frames without a type', () => {
    expect(decodeFrame('{nope').kind).toBe('invalid');
    expect(decodeFrame('[1,2]').kind).toBe('invalid');
    expect(decodeFrame('"x"').kind).toBe('invalid');
    expect(decodeFrame('{"worker_id":"w"}').kind).toBe('invalid');
  });

  it('ignores unknown types and blank frames (forward compatibility)', () => {
    expect(decodeFrame('{"type":"somethingnew","x":1}')).toEqual({ kind: 'ignored', type: 'somethingnew' });
    expect(decodeFrame('{"type":"toString"}')).toEqual({ kind: 'ignored', type: 'toString' });
    expect(decodeFrame('   ').kind).toBe('ignored');
  });

  it('decodes JSON carried in a binary frame', () => {
    const r = decodeFrame(new TextEncoder().encode('{"type":"pong"}'));
    expect(r).toEqual({ kind: 'frame', frame: { type: 'pong' } });
  });

  it('MessageType names every wire type', () => {
    expect(MessageType.InvokeFunction).toBe('invokefunction');
    expect(MessageType.TriggerRegistrationResult).toBe('triggerregistrationresult');
    expect(MessageType.Reattach).toBe('reattach');
  });
  // decodeFrame checks every frame with a table of typeof checks (protocol/decode.ts); the valibot
  // schemas are the specification. Both must reach the same verdict and the same output
  // (test/unit/decode-spec.test.ts covers every type).
  it('the hand check of invokefunction / invocationresult agrees with the valibot schemas', async () => {
    const v = await import('valibot');
    const { InvokeFunctionSchema, InvocationResultSchema } = await import('../../src/protocol/schemas.js');
    const cases: Record<string, unknown>[] = [
      { type: 'invokefunction', invocation_id: 'i', function_id: 'f', data: { a: 1 }, extra: true },
      { type: 'invokefunction', function_id: 'f' },
      { type: 'invokefunction', invocation_id: null, function_id: 'f', traceparent: null, baggage: 'b', metadata: [1] },
      { type: 'invokefunction', invocation_id: 5, function_id: 'f' },
      { type: 'invokefunction', invocation_id: 'i', function_id: 7 },
      { type: 'invokefunction', invocation_id: 'i', function_id: 'f', traceparent: 3 },
      { type: 'invocationresult', invocation_id: 'i', function_id: 'f', result: [1, 2] },
      { type: 'invocationresult', invocation_id: 'i', function_id: 'f', error: null, result: 0 },
      { type: 'invocationresult', invocation_id: 'i', function_id: 'f', error: { code: 'c', message: 'm', stacktrace: 's', x: 1 } },
      { type: 'invocationresult', invocation_id: 'i', function_id: 'f', error: { code: 'c', message: 'm', stacktrace: 9 } },
      { type: 'invocationresult', invocation_id: 'i', function_id: 'f', error: { code: 'c' } },
      { type: 'invocationresult', invocation_id: 'i', function_id: 'f', error: [] },
      { type: 'invocationresult', invocation_id: 'i', function_id: 'f', error: 'boom' },
      { type: 'invocationresult', invocation_id: null, function_id: 'f' },
      { type: 'invocationresult', invocation_id: 'i', function_id: 'f', baggage: {} },
    ];
    for (const frame of cases) {
      const schema = frame.type === 'invokefunction' ? InvokeFunctionSchema : InvocationResultSchema;
      const expected = v.safeParse(schema, frame);
      const got = decodeFrame(JSON.stringify(frame));
      expect(got.kind, JSON.stringify(frame)).toBe(expected.success ? 'frame' : 'invalid');
      if (expected.success && got.kind === 'frame') expect(got.frame, JSON.stringify(frame)).toEqual(expected.output);
    }
  });
});
