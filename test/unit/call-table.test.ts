/**
 * The pending-call table's compact representation (calls/pending.ts, calls/deadlines.ts,
 * calls/encode.ts): deadlines kept per run of calls made in the same millisecond, the frame kept
 * as its body, and one platform timer that a caller making one call at a time does not re-arm
 * on every call.
 */
import { describe, expect, it } from 'vitest';
import { callText, encodeCall, functionIdOf } from '../../src/calls/encode.js';
import { PendingCalls } from '../../src/calls/pending.js';
import { IIIInvocationError, IIITimeoutError } from '../../src/errors.js';
import { fakePlatform, flush } from './fakes.js';

const result = (id: string, extra: Record<string, unknown>) =>
  ({ type: 'invocationresult', invocation_id: id, function_id: 'echoed', ...extra }) as never;

/** The fake platform, counting the timers the table arms. */
function counted() {
  const fake = fakePlatform();
  let armed = 0;
  const setTimeout = fake.platform.setTimeout;
  fake.platform.setTimeout = (fn, ms) => {
    armed++;
    return setTimeout(fn, ms);
  };
  return { ...fake, armed: () => armed };
}

describe('deadlines kept per run of calls made in the same millisecond', () => {
  it('every call times out at its own deadline, across runs, out-of-order answers and compaction', async () => {
    const { platform, clock } = fakePlatform();
    const table = new PendingCalls(platform);
    const settled = new Map<string, string>();
    const ids: string[] = [];
    // 3 × 1500 calls, 10 ms apart: three runs, each larger than a compaction's threshold.
    for (let run = 0; run < 3; run++) {
      for (let i = 0; i < 1500; i++) {
        const id = `r${run}-${i}`;
        ids.push(id);
        table.add({ id, functionId: 'f', timeoutMs: 1000 }).then(
          () => settled.set(id, `ok@${clock.now()}`),
          (e: unknown) => settled.set(id, `${(e as IIIInvocationError).code}@${clock.now()}`),
        );
      }
      clock.advance(10);
    }
    // Answer all of run 0 but its first call, newest first, and every second call of run 1.
    for (let i = 1499; i >= 1; i--) table.resolveFrame(result(`r0-${i}`, { result: i }));
    for (let i = 0; i < 1500; i += 2) table.resolveFrame(result(`r1-${i}`, { result: i }));
    expect(table.size).toBe(1 + 750 + 1500);
    clock.advance(969); // t0 + 999: nothing is due yet
    await flush();
    expect([...settled.values()].filter((v) => v.startsWith('TIMEOUT'))).toEqual([]);
    clock.advance(1); // t0 + 1000: run 0 is due
    await flush();
    expect(settled.get('r0-0')).toBe(`TIMEOUT@${clock.now()}`);
    expect(table.size).toBe(750 + 1500);
    clock.advance(9);
    await flush();
    expect(table.get('r1-1')).toBeDefined();
    clock.advance(1); // run 1
    await flush();
    expect(settled.get('r1-1')).toBe(`TIMEOUT@${clock.now()}`);
    expect(table.size).toBe(1500);
    clock.advance(10); // run 2
    await flush();
    expect(table.size).toBe(0);
    expect(settled.get('r2-1499')).toBe(`TIMEOUT@${clock.now()}`);
    expect(settled.get('r1-2')).toMatch(/^ok@/);
    expect(clock.pending).toBe(0);
  });

  it('one call at a time, each made from the previous answer: one platform timer for all of them, released once idle', async () => {
    const { platform, clock, armed } = counted();
    const table = new PendingCalls(platform);
    for (let i = 0; i < 100; i++) {
      const p = table.add({ id: `c${i}`, functionId: 'f', timeoutMs: 30_000 });
      clock.advance(1);
      table.resolveFrame(result(`c${i}`, { result: i }));
      expect(await p).toBe(i);
    }
    expect(armed()).toBe(1);
    await flush(10);
    expect(clock.pending).toBe(0);
  });
});

describe('the frame kept as its body', () => {
  const body = (functionId: string, data: unknown) => encodeCall({ function_id: functionId, data }, 1 << 20, true) as string;

  it('rebuilds the text of the frame, type first and invocation_id last', () => {
    const text = callText(body('math::add', { a: 1 }), '0b3f5e1c-1d2e-4f3a-8b4c-5d6e7f8a9b0c');
    expect(text).toBe('{"type":"invokefunction","function_id":"math::add","data":{"a":1},"invocation_id":"0b3f5e1c-1d2e-4f3a-8b4c-5d6e7f8a9b0c"}');
    expect(callText(body('log', null), undefined)).toBe('{"type":"invokefunction","function_id":"log","data":null}');
  });

  it('gives back the function id, whatever it holds', () => {
    for (const id of ['f', 'a,"data":b', 'x","data":{"y"', 'ends with \\', 'quote " and , comma', 'ünï ✓ \u2028', '{"function_id":"f"}']) {
      expect(functionIdOf(body(id, { data: ',"data":' }))).toBe(id);
    }
  });

  it('an error result and a timeout name the function id of the body', async () => {
    const { platform, clock } = fakePlatform();
    const table = new PendingCalls(platform);
    const odd = 'odd,"data":"id';
    const failed = table.add({ id: 'a', functionId: odd, timeoutMs: 1000, body: body(odd, 1) }).catch((e: unknown) => e);
    const late = table.add({ id: 'b', functionId: odd, timeoutMs: 1000, body: body(odd, 2) }).catch((e: unknown) => e);
    table.resolveFrame(result('a', { error: { code: 'boom', message: 'bad' } }));
    expect(await failed).toMatchObject({ code: 'boom', function_id: odd });
    clock.advance(1000);
    const timedOut = await late;
    expect(timedOut).toBeInstanceOf(IIITimeoutError);
    expect(timedOut).toMatchObject({ function_id: odd });
  });

  it('a call that may be re-sent gets its own frame back, a call that may not is refused the resend', () => {
    const { platform, clock } = fakePlatform();
    const table = new PendingCalls(platform);
    const kept = body('f', { n: 1 });
    void table.add({ id: 'r', functionId: 'f', timeoutMs: 5000, body: kept }).catch(() => undefined);
    void table.add({ id: 'n', functionId: 'f', timeoutMs: 5000 }).catch(() => undefined);
    const resent: string[] = [];
    const resend = (b: string, id: string) => resent.push(callText(b, id));
    expect(table.resendLater('r', 'function_not_found: no', () => 50, resend)).toBe(true);
    expect(table.resendLater('n', 'function_not_found: no', () => 50, resend)).toBe(false);
    clock.advance(50);
    expect(resent).toEqual(['{"type":"invokefunction","function_id":"f","data":{"n":1},"invocation_id":"r"}']);
  });
});
