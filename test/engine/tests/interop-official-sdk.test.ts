// Interop: the official `iii-sdk` 0.22.1 (written by nobody here) as a client of the reference
// engine, next to raw-socket workers. protocol.md describes engine 0.23.0-rc.4 and the 0.23 SDKs;
// where 0.22.1 behaves differently the test says so in a comment and follows the engine.
//
// Observed differences of iii-sdk 0.22.1 from protocol.md (§2.4 item 4, §4.7, §7):
// * It sends `engine::workers::register` LAST on every (re)connect, after registertriggertype /
//   registerfunction / registertrigger (protocol.md §2.4 item 4 says the SDKs announce first).
//   Namespace buffering (§2.4 item 3) makes this harmless: registrations wait for the announce.
// * It never sends a `namespace` on invokefunction (no namespace option at all in 0.22.1).
// * `trigger({payload: undefined})` omits the required `data` key; the engine drops the frame and
//   the caller only ends by its own TIMEOUT (§7 item 16) — asserted below.
// * `unregisterTriggerType` sends `unregistertriggertype`, unknown to the engine (§7 item 1).
// * Telemetry: OTel is switched off with `otel: { enabled: false }` (or env OTEL_ENABLED=false) and
//   `enableMetricsReporting: false`; with OTel on it would open a second socket on `/otel`.
import { createChannel } from 'iii-sdk/helpers';
import { registerWorker, TriggerAction, type IIIClient, type InitOptions } from 'iii-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { useHarness } from './harness';
import { openChannel, sleep, withTimeout, type Frame, type RawWorker } from './raw-client';

const h = useHarness();
const clients: IIIClient[] = [];

afterEach(async () => {
  const all = clients.splice(0);
  await Promise.all(all.map((c) => withTimeout(c.shutdown(), 3000, 'iii-sdk shutdown()').catch(() => undefined)));
});

function sdk(url: string, workerName: string, extra: Partial<InitOptions> = {}): IIIClient {
  const c = registerWorker(url, {
    workerName,
    otel: { enabled: false },
    enableMetricsReporting: false,
    invocationTimeoutMs: 3000,
    reconnectionConfig: { maxRetries: 0 },
    ...extra,
  });
  clients.push(c);
  return c;
}

/** Wait until a function id is visible through the engine (bounded). */
async function waitForFunction(w: RawWorker, id: string, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if ((await w.functionIds()).includes(id)) return;
    await sleep(25);
  }
  throw new Error(`${id} never appeared in engine::functions::list`);
}

describe('interop with the official iii-sdk 0.22.1', () => {
  it('a raw-socket client calls a function the official SDK registered', async () => {
    const e = await h.engine();
    const seen: unknown[] = [];
    const iii = sdk(e.url, 'official-greeter');
    iii.registerFunction('interop::greet', async (input: { name: string }) => {
      seen.push(input);
      return { message: `Hello, ${input.name}!` };
    });
    const raw = await h.announced(e.url, { name: 'raw-caller' });
    await waitForFunction(raw, 'interop::greet');
    expect(await raw.call('interop::greet', { name: 'world' })).toEqual({ message: 'Hello, world!' });
    // the SDK handler saw the engine-injected _caller_worker_id (§3.3)
    expect(seen[0]).toEqual({ name: 'world', _caller_worker_id: raw.workerId });
  });

  it('the official SDK handler error reaches a raw caller as invocation_failed with a stacktrace', async () => {
    const e = await h.engine();
    const iii = sdk(e.url, 'official-thrower');
    iii.registerFunction('interop::boom', async () => {
      throw new Error('kaboom');
    });
    const raw = await h.announced(e.url, { name: 'raw-caller' });
    await waitForFunction(raw, 'interop::boom');
    const f = await raw.callFrame('interop::boom', {});
    expect(f.error.code).toBe('invocation_failed');
    expect(f.error.message).toBe('kaboom');
    expect(String(f.error.stacktrace)).toContain('kaboom');
  });

  it('the official SDK announces itself: engine::workers::list shows its name, runtime node and functions', async () => {
    const e = await h.engine();
    const iii = sdk(e.url, 'official-listed');
    iii.registerFunction('interop::listed', async () => null);
    const raw = await h.announced(e.url, { name: 'raw-lister' });
    await waitForFunction(raw, 'interop::listed');
    const rows = (await raw.call('engine::workers::list', {})).workers as Frame[];
    const row = rows.find((r) => r.name === 'official-listed');
    expect(row).toMatchObject({ runtime: 'node', version: '0.22.1', function_count: 1, status: expect.any(String) });
    const fnRows = await raw.functionRows({ prefix: 'interop::' });
    expect(fnRows.map((r) => r.worker_name)).toEqual(['official-listed']);
  });

  it('the official SDK calls a function a raw-socket worker serves', async () => {
    const e = await h.engine();
    const raw = await h.announced(e.url, { name: 'raw-server' });
    raw.registerFunction('raw::add');
    raw.serve('raw::add', (d) => ({ sum: Number(d.a) + Number(d.b), caller: d._caller_worker_id }));
    await raw.sync();
    const iii = sdk(e.url, 'official-caller');
    const r = await iii.trigger<{ a: number; b: number }, { sum: number; caller: string }>({ function_id: 'raw::add', payload: { a: 2, b: 3 } });
    expect(r.sum).toBe(5);
    expect(typeof r.caller).toBe('string');
  });

  it('the official SDK receives a raw worker error as an InvocationError with the code', async () => {
    const e = await h.engine();
    const raw = await h.announced(e.url, { name: 'raw-failer' });
    raw.registerFunction('raw::fail');
    raw.serve('raw::fail', () => ({ error: { code: 'custom_code', message: 'nope' } }));
    await raw.sync();
    const iii = sdk(e.url, 'official-caller');
    await expect(iii.trigger({ function_id: 'raw::fail', payload: {} })).rejects.toMatchObject({ code: 'custom_code', message: expect.stringContaining('nope') });
  });

  it('the official SDK gets function_not_found from the engine for an unknown id', async () => {
    const e = await h.engine();
    const iii = sdk(e.url, 'official-caller');
    await expect(iii.trigger({ function_id: 'no::such', payload: {} })).rejects.toMatchObject({ code: 'function_not_found' });
  });

  it('the official SDK void trigger reaches a raw worker', async () => {
    const e = await h.engine();
    const raw = await h.announced(e.url, { name: 'raw-void' });
    raw.registerFunction('raw::void');
    await raw.sync();
    const iii = sdk(e.url, 'official-voider');
    const r = await iii.trigger({ function_id: 'raw::void', payload: { n: 1 }, action: TriggerAction.Void() });
    expect(r).toBeUndefined();
    const inv = await raw.nextInvoke('raw::void', 3000);
    expect(inv.data.n).toBe(1);
  });

  it('the official SDK enqueue without a queue provider rejects with enqueue_error', async () => {
    const e = await h.engine();
    const iii = sdk(e.url, 'official-enqueuer');
    await expect(iii.trigger({ function_id: 'x::y', payload: {}, action: TriggerAction.Enqueue({ queue: 'q' }) })).rejects.toMatchObject({ code: 'enqueue_error' });
  });

  it('the official SDK enqueue with the queue option resolves {messageReceiptId}', async () => {
    const e = await h.engine({ queue: { queues: ['q'], deliveryDelayMs: 10 } });
    const iii = sdk(e.url, 'official-enqueuer');
    const r = await iii.trigger<unknown, { messageReceiptId: string }>({ function_id: 'x::y', payload: {}, action: TriggerAction.Enqueue({ queue: 'q' }) });
    expect(typeof r.messageReceiptId).toBe('string');
  });

  it('the official SDK passes binary data through a channel to a raw reader (createChannel + ChannelWriter)', async () => {
    const e = await h.engine();
    const iii = sdk(e.url, 'official-writer');
    const ch = await createChannel(iii);
    expect(ch.readerRef.direction).toBe('read');
    const reader = h.track(await openChannel(e.url, ch.readerRef, 'read'));
    ch.writer.stream.write(Buffer.from('hello '));
    ch.writer.stream.write(Buffer.alloc(70 * 1024, 0x61)); // split by the SDK into 64 KiB frames
    ch.writer.stream.end();
    const c = await reader.waitClose(3000);
    expect(c.code).toBe(1005);
    const all = Buffer.concat(reader.received.map((m) => m.data));
    expect(all.length).toBe(6 + 70 * 1024);
    expect(all.subarray(0, 6).toString()).toBe('hello ');
    expect(reader.received.every((m) => m.binary)).toBe(true);
    expect(reader.received.map((m) => m.data.length)).toEqual([6, 64 * 1024, 6 * 1024]);
  });

  it('the official SDK ChannelReader reads what a raw writer sends (readAll ends on Close, text via onMessage)', async () => {
    const e = await h.engine();
    const iii = sdk(e.url, 'official-reader');
    const ch = await createChannel(iii, 4);
    const texts: string[] = [];
    ch.reader.onMessage((m) => texts.push(m));
    const all = ch.reader.readAll();
    const writer = h.track(await openChannel(e.url, ch.writerRef, 'write'));
    writer.send('progress 1');
    writer.sendBinary(Buffer.from('abc'));
    writer.sendBinary(Buffer.from('def'));
    await writer.close(1000, 'done');
    const buf = await withTimeout(all, 3000, 'ChannelReader.readAll()');
    expect(buf.toString()).toBe('abcdef');
    expect(texts).toEqual(['progress 1']);
  });

  it('the official SDK passes channel refs to a raw worker function, which reads the channel', async () => {
    const e = await h.engine();
    const raw = await h.announced(e.url, { name: 'raw-consumer' });
    raw.registerFunction('raw::consume');
    await raw.sync();
    const iii = sdk(e.url, 'official-producer');
    const ch = await createChannel(iii);
    const pending = iii.trigger<unknown, { got: string }>({ function_id: 'raw::consume', payload: { reader: ch.readerRef } });
    const inv = await raw.nextInvoke('raw::consume', 3000);
    const reader = h.track(await openChannel(e.url, inv.data.reader, 'read'));
    ch.writer.sendMessage('text-frame');
    ch.writer.stream.end(Buffer.from('bin'));
    await reader.waitClose(3000);
    const parts = reader.received.map((m) => (m.binary ? `b:${m.data.toString()}` : `t:${m.text}`));
    raw.reply(inv, { result: { got: parts.join(',') } });
    expect(await pending).toEqual({ got: 't:text-frame,b:bin' });
  });

  it('the official SDK as trigger type provider gets the binding of a raw consumer and acks it silently', async () => {
    const e = await h.engine();
    const bound: Frame[] = [];
    const iii = sdk(e.url, 'official-provider');
    iii.registerTriggerType(
      { id: 'interop-type', description: 'Interop type' },
      {
        registerTrigger: async (cfg) => {
          bound.push(cfg as Frame);
        },
        unregisterTrigger: async () => undefined,
      },
    );
    const raw = await h.announced(e.url, { name: 'raw-consumer' });
    // wait until the SDK's type is known to the engine
    const deadline = Date.now() + 3000;
    while (Date.now() < deadline) {
      const list = ((await raw.call('engine::triggers::list', {})).triggers as Frame[]).map((t) => t.id);
      if (list.includes('interop-type')) break;
      await sleep(25);
    }
    raw.registerFunction('raw::on_event');
    raw.registerTrigger('interop-bind-1', 'interop-type', 'raw::on_event', { every: 1 });
    for (let i = 0; i < 120 && bound.length === 0; i++) await sleep(25);
    expect(bound[0]).toMatchObject({ id: 'interop-bind-1', function_id: 'raw::on_event', config: { every: 1 } });
    // the SDK acks with success; the engine tells the originator nothing
    await raw.expectNoFrame((f) => f.type === 'triggerregistrationresult', 300);
  });

  it('the official SDK unregisters a function: callers then get function_not_found', async () => {
    const e = await h.engine();
    const iii = sdk(e.url, 'official-unreg');
    const ref = iii.registerFunction('interop::temp', async () => 'here');
    const raw = await h.announced(e.url, { name: 'raw-caller' });
    await waitForFunction(raw, 'interop::temp');
    ref.unregister();
    const deadline = Date.now() + 3000;
    let f = await raw.callFrame('interop::temp', {});
    while (!f.error && Date.now() < deadline) {
      await sleep(25);
      f = await raw.callFrame('interop::temp', {});
    }
    expect(f.error?.code).toBe('function_not_found');
  });

  it('the official SDK reconnects after its socket drops (reattach + replay) and serves again', async () => {
    const e = await h.engine();
    const iii = sdk(e.url, 'official-reconnect', { reconnectionConfig: { initialDelayMs: 50, maxDelayMs: 100, maxRetries: 5, jitterFactor: 0 } });
    iii.registerFunction('interop::again', async () => 'back');
    const raw = await h.announced(e.url, { name: 'raw-caller' });
    await waitForFunction(raw, 'interop::again');
    // drop the SDK's socket from under it (internal field of the 0.22.1 implementation)
    const internal = iii as unknown as { ws?: { terminate(): void } };
    expect(internal.ws).toBeDefined();
    internal.ws!.terminate();
    const deadline = Date.now() + 4000;
    let answer: unknown;
    while (Date.now() < deadline) {
      const f = await raw.callFrame('interop::again', {});
      if (f.result === 'back') {
        answer = f.result;
        break;
      }
      await sleep(50);
    }
    expect(answer).toBe('back');
    // the reconnected worker took its name again (no WORKER_NAMESPACE_CONFLICT)
    const rows = (await raw.call('engine::workers::list', {})).workers as Frame[];
    expect(rows.filter((r) => r.name === 'official-reconnect')).toHaveLength(1);
  });

  it('the official SDK authenticates with headers on an RBAC listener and gets FORBIDDEN as InvocationError', async () => {
    const e = await h.engine({
      listeners: [{ port: 0 }, { port: 0, rbac: { auth_function_id: 'test::auth', expose_functions: ['match("test::ew::public::*")'] } }],
    });
    const trusted = await h.announced(e.listeners[0]!.url, { name: 'trusted' });
    trusted.registerFunction('test::auth');
    const auth = trusted.serve('test::auth', (d) => (d.headers['x-test-token'] === 'valid-token' ? { context: { ok: true } } : { error: { code: 'x', message: 'invalid token' } }));
    trusted.registerFunction('test::ew::public::echo');
    trusted.serve('test::ew::public::echo', (d) => ({ echoed: d.msg }));
    trusted.registerFunction('test::ew::private');
    await trusted.sync();
    const iii = sdk(e.listeners[1]!.url, 'official-rbac', { headers: { 'x-test-token': 'valid-token' } });
    expect(await iii.trigger({ function_id: 'test::ew::public::echo', payload: { msg: 'hi' } })).toEqual({ echoed: 'hi' });
    await expect(iii.trigger({ function_id: 'test::ew::private', payload: {} })).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: expect.stringContaining('test::ew::private'),
    });
    expect(auth.calls).toHaveLength(1);
  });

  it('documents §7 item 16: iii-sdk omits data for an undefined payload, the engine drops the frame, the call times out', async () => {
    const e = await h.engine();
    const raw = await h.announced(e.url, { name: 'raw-target' });
    raw.registerFunction('raw::undef');
    await raw.sync();
    const iii = sdk(e.url, 'official-undef');
    await expect(iii.trigger({ function_id: 'raw::undef', payload: undefined, timeoutMs: 600 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    await raw.expectNoFrame((f) => f.type === 'invokefunction', 50);
  });
});
