import { describe, expect, it } from 'vitest';
import { ErrorCode, IIIForbiddenError, IIIInvocationError, IIITimeoutError } from '../../src/errors.js';
import { PendingCalls } from '../../src/calls/pending.js';
import { fakePlatform, flush } from './fakes.js';

const result = (id: string, extra: Record<string, unknown>) =>
  ({ type: 'invocationresult', invocation_id: id, function_id: 'f', ...extra }) as never;

describe('pending-call table', () => {
  it('resolves with the result, undefined when absent or null', async () => {
    const { platform, clock } = fakePlatform();
    const table = new PendingCalls(platform);
    const a = table.add({ id: 'a', functionId: 'f', timeoutMs: 1000 });
    const b = table.add({ id: 'b', functionId: 'f', timeoutMs: 1000 });
    const c = table.add({ id: 'c', functionId: 'f', timeoutMs: 1000 });
    table.resolveFrame(result('a', { result: { x: 1 } }));
    table.resolveFrame(result('b', { result: null }));
    table.resolveFrame(result('c', {}));
    await expect(a).resolves.toEqual({ x: 1 });
    await expect(b).resolves.toBeUndefined();
    await expect(c).resolves.toBeUndefined();
    expect(table.size).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('error wins over result and maps codes to subclasses', async () => {
    const { platform } = fakePlatform();
    const table = new PendingCalls(platform);
    const a = table.add({ id: 'a', functionId: 'f', timeoutMs: 1000 });
    const b = table.add({ id: 'b', functionId: 'g', timeoutMs: 1000 });
    table.resolveFrame(result('a', { result: 1, error: { code: 'boom', message: 'bad', stacktrace: 'st' } }));
    table.resolveFrame(result('b', { error: { code: 'FORBIDDEN', message: 'no' } }));
    const ea = await a.catch((e: unknown) => e);
    expect(ea).toBeInstanceOf(IIIInvocationError);
    expect(ea).toMatchObject({ code: 'boom', message: 'boom: bad', stacktrace: 'st', function_id: 'f' });
    await expect(b).rejects.toBeInstanceOf(IIIForbiddenError);
  });

  it('times out with IIITimeoutError and ignores the late result', async () => {
    const { platform, clock } = fakePlatform();
    const table = new PendingCalls(platform);
    const p = table.add({ id: 'a', functionId: 'slow', timeoutMs: 500 });
    clock.advance(499);
    expect(table.size).toBe(1);
    clock.advance(1);
    const err = await p.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IIITimeoutError);
    expect(err).toMatchObject({ code: ErrorCode.Timeout, function_id: 'slow', message: 'TIMEOUT: invocation timed out after 500ms' });
    expect(table.resolveFrame(result('a', { result: 1 }))).toBe(false);
  });

  it('abort rejects with signal.reason and removes the listener and timer', async () => {
    const { platform, clock } = fakePlatform();
    const table = new PendingCalls(platform);
    const ac = new AbortController();
    const p = table.add({ id: 'a', functionId: 'f', timeoutMs: 500, signal: ac.signal });
    const reason = new Error('user gave up');
    ac.abort(reason);
    await expect(p).rejects.toBe(reason);
    expect(table.size).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('an already-aborted signal rejects at once', async () => {
    const { platform, clock } = fakePlatform();
    const table = new PendingCalls(platform);
    const ac = new AbortController();
    ac.abort('why');
    await expect(table.add({ id: 'a', functionId: 'f', timeoutMs: 500, signal: ac.signal })).rejects.toBe('why');
    expect(clock.pending).toBe(0);
  });

  it('rejectSent rejects only calls already written; queued ones keep waiting', async () => {
    const { platform } = fakePlatform();
    const table = new PendingCalls(platform);
    const sent = table.add({ id: 's', functionId: 'f', timeoutMs: 1000 });
    const queued = table.add({ id: 'q', functionId: 'f', timeoutMs: 1000 });
    table.get('s')!.onSent(); // what the session does once the frame is written
    table.rejectSent((fid) => new IIIInvocationError({ code: ErrorCode.ConnectionLost, message: 'lost', function_id: fid }));
    await expect(sent).rejects.toMatchObject({ code: 'CONNECTION_LOST' });
    await flush();
    expect(table.get('q')).toBeDefined();
    table.resolveFrame(result('q', { result: 2 }));
    await expect(queued).resolves.toBe(2);
  });

  it('rejectAll settles everything and clears every timer', async () => {
    const { platform, clock } = fakePlatform();
    const table = new PendingCalls(platform);
    const ps = [1, 2, 3].map((i) => table.add({ id: String(i), functionId: 'f', timeoutMs: 1000 }));
    table.rejectAll((fid) => new IIIInvocationError({ code: ErrorCode.Shutdown, message: 'bye', function_id: fid }));
    for (const p of ps) await expect(p).rejects.toMatchObject({ code: 'SHUTDOWN' });
    expect(clock.pending).toBe(0);
  });

  it('a timeout beyond the timer range (or Infinity) arms no timer instead of firing at once', async () => {
    const { platform, clock } = fakePlatform();
    const table = new PendingCalls(platform);
    const p = table.add({ id: 'a', functionId: 'f', timeoutMs: Infinity });
    expect(clock.pending).toBe(0);
    clock.advance(10_000_000);
    expect(table.get('a')).toBeDefined();
    table.resolveFrame(result('a', { result: 'late but fine' }));
    await expect(p).resolves.toBe('late but fine');
  });
  it('times out each call at its own deadline with one shared timer, across timeout values and out-of-order results', async () => {
    const { platform, clock } = fakePlatform();
    const table = new PendingCalls(platform);
    const settled: string[] = [];
    const track = (id: string, p: Promise<unknown>) =>
      p.then(
        () => settled.push(`${id}:ok`),
        (e: unknown) => settled.push(`${id}:${(e as IIIInvocationError).code}`),
      );
    track('long', table.add({ id: 'long', functionId: 'f', timeoutMs: 1000 }));
    clock.advance(100);
    track('short', table.add({ id: 'short', functionId: 'f', timeoutMs: 300 })); // due at 400
    track('mid', table.add({ id: 'mid', functionId: 'f', timeoutMs: 1000 })); // due at 1100
    track('answered', table.add({ id: 'answered', functionId: 'f', timeoutMs: 1000 })); // due at 1100
    expect(clock.pending).toBe(1);
    table.resolveFrame(result('answered', { result: 1 }));
    clock.advance(299); // t = 399
    await flush();
    expect(settled).toEqual(['answered:ok']);
    clock.advance(1); // t = 400
    await flush();
    expect(settled).toEqual(['answered:ok', 'short:TIMEOUT']);
    clock.advance(600); // t = 1000
    await flush();
    expect(settled).toEqual(['answered:ok', 'short:TIMEOUT', 'long:TIMEOUT']);
    clock.advance(99);
    await flush();
    expect(table.get('mid')).toBeDefined();
    clock.advance(1); // t = 1100
    await flush();
    expect(settled.at(-1)).toBe('mid:TIMEOUT');
    expect(table.size).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('thousands of calls answered out of order leave no stale deadline behind', async () => {
    const { platform, clock } = fakePlatform();
    const table = new PendingCalls(platform);
    const ids = Array.from({ length: 5000 }, (_, i) => `c${i}`);
    const ps = ids.map((id) => table.add({ id, functionId: 'f', timeoutMs: 1000 }));
    // Answer all but the first and last, newest first, so the queue head stays live while its tail empties.
    for (let i = ids.length - 2; i >= 1; i--) table.resolveFrame(result(ids[i]!, { result: i }));
    expect(table.size).toBe(2);
    clock.advance(1000);
    await expect(ps[0]).rejects.toBeInstanceOf(IIITimeoutError);
    await expect(ps.at(-1)).rejects.toBeInstanceOf(IIITimeoutError);
    await expect(ps[1]).resolves.toBe(1);
    expect(table.size).toBe(0);
    expect(clock.pending).toBe(0);
  });
});
