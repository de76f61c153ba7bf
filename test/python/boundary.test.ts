/**
 * Bad input across the language boundary: a payload Python cannot decode, a result this SDK
 * cannot decode, exceptions with a custom code. Each must end as an error on the caller's side
 * within a bound, never as a hang; where the protocol leaves the caller only its own timeout
 * (an undecodable frame is dropped without a reply, protocol.md §2.1), the test says so.
 */
import * as v from 'valibot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IIIInvocationError, IIITimeoutError, type III } from '../../platform/node/index.js';
import { EXTERNAL_URL, PY_SDK, callPython, cleanup, engineUnderTest, listed, sdkAtLeast, startPython, tsWorker, unique, waitFor, within, type PythonPeer } from './harness.js';

const MIB = 1024 * 1024;
let ts: III;
let py: PythonPeer;
const fn = {
  order: unique('ts::order'),
  custom: unique('ts::custom'),
  big: unique('ts::big'),
};

beforeAll(async () => {
  const engine = await engineUnderTest();
  ts = tsWorker(engine.url);
  ts.registerFunction(fn.order, (d) => ({ item: d.item, qty: d.qty }), { request_format: v.object({ item: v.string(), qty: v.pipe(v.number(), v.integer()) }) });
  ts.registerFunction(fn.custom, (d: { code: string; message: string }) => {
    throw new IIIInvocationError({ code: d.code, message: d.message });
  });
  ts.registerFunction(fn.big, (d: { chars: number }) => ({ text: 'y'.repeat(d.chars) }));
  py = await startPython(engine.url);
  await ts.ready();
  await listed(ts, [...Object.values(fn), py.fn('typed_order'), py.fn('call')]);
});

afterAll(cleanup);

let fragile: PythonPeer | undefined;
/** A second Python worker for the cases that cost a worker its socket (it reconnects after each). */
async function fragilePeer(): Promise<PythonPeer> {
  fragile ??= await startPython((await engineUnderTest()).url);
  await listed(ts, [fragile.fn('echo'), fragile.fn('call'), fragile.fn('big_result')]);
  return fragile;
}

/** Waits until the peer answers again (after it dropped its socket and reconnected). */
async function pythonServesAgain(peer: PythonPeer): Promise<void> {
  await waitFor(async () => (await ts.trigger({ function_id: peer.fn('echo'), payload: { back: true }, timeoutMs: 2000 }).catch(() => undefined)) !== undefined, 20_000, 'the Python worker serving again');
}

describe('a payload Python cannot decode', () => {
  it("fails the Python model's validation: invocation_failed naming the field", async () => {
    const error = await callPython(ts, py, 'typed_order', { item: 'widget', qty: 'many' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IIIInvocationError);
    expect(error).toMatchObject({ code: 'invocation_failed', function_id: py.fn('typed_order') });
    expect((error as Error).message).toMatch(/qty[\s\S]*valid integer/);
  });

  it('is a channel ref to a channel that does not exist: invocation_failed naming the refused channel socket', async () => {
    const ref = { channel_id: unique('nochannel'), access_key: 'k', direction: 'read' };
    const error = await callPython(ts, py, 'channel_read', { input: ref }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IIIInvocationError);
    expect(error).toMatchObject({ code: 'invocation_failed' });
    expect((error as Error).message).toMatch(/404/);
  });

  // iii-sdk before 0.24.6 opens its socket with the websockets defaults: max_size 1 MiB per
  // message. A bigger invokefunction makes websockets close the socket (1009); the engine then
  // halts the call (protocol.md §3.13) and the Python worker reconnects. The engine accepts up to
  // 16 MiB and this SDK sends it: the limit is the Python side's. 0.24.6 raised it to 64 MiB.
  it('a payload over 1 MiB: iii-sdk < 0.24.6 drops its socket (invocation_stopped at once, then it reconnects); later releases take it', async () => {
    const peer = await fragilePeer();
    // Just under the limit goes through.
    const under = await ts.trigger<unknown, { echo: { text: string } }>({ function_id: peer.fn('echo'), payload: { text: 'z'.repeat(MIB - 4096) }, timeoutMs: 15_000 });
    expect(under.echo.text.length).toBe(MIB - 4096);
    const started = Date.now();
    const outcome = await ts.trigger<unknown, { echo: { text: string } }>({ function_id: peer.fn('echo'), payload: { text: 'z'.repeat(2 * MIB) }, timeoutMs: 15_000 }).catch((e: unknown) => e);
    if (sdkAtLeast(peer.sdk, '0.24.6')) {
      expect((outcome as { echo: { text: string } }).echo.text.length).toBe(2 * MIB);
      return;
    }
    expect(outcome).toBeInstanceOf(IIIInvocationError);
    expect(outcome).toMatchObject({ code: 'invocation_stopped' });
    expect(Date.now() - started).toBeLessThan(10_000);
    await pythonServesAgain(peer);
    // It came back on a new connection: same name, a new worker id.
    const now = await waitFor(async () => (await ts.listWorkers()).find((w) => w.name === peer.name), 10_000, 'Python worker listed again');
    expect(now.id).not.toBe(peer.workerId);
  });
});

describe('a result this SDK cannot decode', () => {
  // Python's json.dumps writes float('nan') as a bare NaN token: not JSON. The engine cannot
  // decode the invocationresult and drops it without a reply (protocol.md §2.1, §3.14), so the
  // caller's only way out is its own timeout. A Python SDK bug (it should refuse NaN and answer
  // an error); this SDK keeps the caller bounded.
  it('NaN from Python: the result frame is lost at the engine; the caller gets IIITimeoutError at its timeoutMs, not a hang', async () => {
    const started = Date.now();
    const error = await ts.trigger({ function_id: py.fn('nan'), payload: {}, timeoutMs: 1000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IIITimeoutError);
    expect(error).toMatchObject({ code: 'TIMEOUT', function_id: py.fn('nan') });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('bytes from Python: the Python SDK answers invocation_failed "not JSON serializable"', async () => {
    const error = await callPython(ts, py, 'bytes', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IIIInvocationError);
    expect(error).toMatchObject({ code: 'invocation_failed' });
    expect((error as Error).message).toMatch(/bytes is not JSON serializable/);
  });

  it("a Python payload this SDK's valibot schema refuses: Python gets VALIDATION_FAILED naming the field", async () => {
    const seen = await callPython<any>(ts, py, 'call', { function_id: fn.order, payload: { item: 'widget', qty: 1.5 } });
    expect(seen.ok).toBe(false);
    expect(seen.error).toMatchObject({ type: 'InvocationError', code: 'VALIDATION_FAILED', function_id: fn.order });
    expect(seen.error.message).toMatch(/qty/);
  });

  // The same 1 MiB limit on the Python side (before 0.24.6), for a result: Python's socket drops,
  // and the Python SDK (0.23 to 0.25) does not fail the calls pending on a dropped socket, so its
  // caller waits for its timeout_ms.
  it('a result over 1 MiB to a Python caller: iii-sdk < 0.24.6 ends the call with TIMEOUT at its timeout_ms and reconnects; later releases take it', async () => {
    const peer = await fragilePeer();
    const tag = unique('big');
    const request = { function_id: fn.big, payload: { chars: 2 * MIB }, timeout_ms: 1500, record_as: tag };
    if (sdkAtLeast(peer.sdk, '0.24.6')) {
      const seen = await callPython<any>(ts, peer, 'call', request);
      expect(seen.ok).toBe(true);
      expect(seen.result.text.length).toBe(2 * MIB);
      return;
    }
    // The outer call travels on the socket that drops, so it ends with invocation_stopped here;
    // what Python itself saw is kept under `tag` and read once it is back.
    const outer = await callPython(ts, peer, 'call', request).catch((e: unknown) => e);
    expect(outer).toMatchObject({ code: 'invocation_stopped' });
    await pythonServesAgain(peer);
    const [seen] = await waitFor(async () => {
      const r = await callPython<any[]>(ts, peer, 'recorded', { tag });
      return r.length > 0 ? r : undefined;
    }, 10_000, "Python's outcome of the call");
    expect(seen.outcome).toMatchObject({ ok: false, error: { type: 'InvocationError', code: 'TIMEOUT', function_id: fn.big } });
  });
});

describe('a result the engine cannot take', () => {
  // protocol.md §2.1: engine 0.23 takes 16 MiB per frame and 64 MiB per message; a bigger frame
  // ends the connection (a read error). iii-sdk 0.23 sends any result as one frame; 0.24.6 refuses
  // a result over 16 MiB itself and answers `payload_too_large`; 0.25 sends it as a fragmented
  // message (1 MiB fragments, up to 64 MiB), which engine 0.23 takes. The reference engine has one
  // limit for the whole message (16 MiB, test/engine/README.md), so with 0.25 it drops the socket
  // where the real engine delivers: a gap of the reference engine, marked as such (it.fails) when
  // a 0.25 SDK runs against it.
  const refGap = sdkAtLeast(PY_SDK, '0.25.0') && EXTERNAL_URL === undefined;
  (refGap ? it.fails : it)(
    `${refGap ? '[known gap of the reference engine] ' : ''}a 20 MiB result from Python: 0.23 loses its socket (invocation_stopped), 0.24.6 answers payload_too_large, 0.25 fragments it (delivered by engine 0.23)`,
    async () => {
      const peer = await fragilePeer();
      const outcome = await ts.trigger<unknown, { text: string }>({ function_id: peer.fn('big_result'), payload: { chars: 20 * MIB }, timeoutMs: 20_000 }).catch((e: unknown) => e);
      if (sdkAtLeast(peer.sdk, '0.25.0')) {
        expect((outcome as { text: string }).text?.length).toBe(20 * MIB);
      } else if (sdkAtLeast(peer.sdk, '0.24.6')) {
        expect(outcome).toBeInstanceOf(IIIInvocationError);
        expect(outcome).toMatchObject({ code: 'payload_too_large' });
      } else {
        expect(outcome).toBeInstanceOf(IIIInvocationError);
        expect(outcome).toMatchObject({ code: 'invocation_stopped' });
        await pythonServesAgain(peer);
      }
    },
  );
});

describe('an exception with a custom code', () => {
  it('raised in Python: the caller here gets invocation_failed, with the code and message in the message', async () => {
    const error = await callPython(ts, py, 'fail_custom', { code: 'OUT_OF_STOCK', message: 'no widgets left' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IIIInvocationError);
    // The Python SDK answers every handler exception with invocation_failed and str(exception),
    // which for its InvocationError is "<code>: <message>".
    expect(error).toMatchObject({ code: 'invocation_failed', message: 'invocation_failed: OUT_OF_STOCK: no widgets left' });
    expect((error as IIIInvocationError).stacktrace).toMatch(/InvocationError: OUT_OF_STOCK: no widgets left/);
  });

  // This SDK used to answer every handler failure with invocation_failed, so OUT_OF_STOCK never
  // left the worker (a pinned "known divergence" here). Since issue 10 item 11 a thrown error's
  // own string code travels: ErrorBody.code is free text on the wire (§2.1, §3.4).
  it('thrown here: the Python caller gets InvocationError with the custom code and the message', async () => {
    const seen = await callPython<any>(ts, py, 'call', { function_id: fn.custom, payload: { code: 'OUT_OF_STOCK', message: 'no widgets left' } });
    expect(seen.ok).toBe(false);
    expect(seen.error).toMatchObject({ type: 'InvocationError', code: 'OUT_OF_STOCK', message: 'no widgets left', function_id: fn.custom });
  });
});

it('every bad-input call above left the shared Python worker serving', async () => {
  expect(await within(callPython(ts, py, 'echo', { still: 'here' }), 5000, 'echo')).toMatchObject({ echo: { still: 'here' } });
});
