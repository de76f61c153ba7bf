// protocol.md §6.6 "Behaviours the suites observe (checklist)", one test per item, named so the
// checklist coverage is visible. Frames are spoken raw, the way the official SDKs speak them
// (announce first with a void engine::workers::register, then registrations).
import { describe, expect, it } from 'vitest';
import { useHarness } from './harness';
import { openChannel, sleep, UUID_RE, type Frame, type RawWorker } from './raw-client';

const h = useHarness();

/** An SDK-like worker: void announce followed at once by registrations (no waiting). */
async function sdkLike(url: string, name: string, fns: string[] = []): Promise<RawWorker> {
  const w = await h.raw(url);
  w.announceVoid({ name });
  for (const id of fns) w.registerFunction(id);
  await w.hello();
  await w.sync();
  // the void announce is handled asynchronously; wait until the registrations are visible
  for (const id of fns) await waitListed(w, id, 1000);
  return w;
}

/** Wait until `w` can see `id` in engine::functions::list (bounded). */
async function waitListed(w: RawWorker, id: string, withinMs: number): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < withinMs) {
    if ((await w.functionIds()).includes(id)) return Date.now() - start;
    await sleep(20);
  }
  throw new Error(`${id} not listed within ${withinMs}ms`);
}

describe('§6.6 checklist: functions', () => {
  it('§6.6 register → invoke round trip with a complex result', async () => {
    const e = await h.engine();
    const svc = await sdkLike(e.url, 'svc', ['svc::complex']);
    const complex = { a: [1, { b: 'c' }, null, true], n: 1.5, s: 'ü€😀', empty: {}, list: [] };
    svc.serve('svc::complex', (d) => ({ ...complex, echo: d.x }));
    const caller = await sdkLike(e.url, 'caller');
    expect(await caller.call('svc::complex', { x: 42 })).toEqual({ ...complex, echo: 42 });
  });

  it('§6.6 void delivery within 5 s', async () => {
    const e = await h.engine();
    const svc = await sdkLike(e.url, 'svc', ['svc::void']);
    const caller = await sdkLike(e.url, 'caller');
    const t0 = Date.now();
    caller.invokeVoid('svc::void', { hello: 1 });
    const inv = await svc.nextInvoke('svc::void', 5000);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(inv.data.hello).toBe(1);
    await caller.expectNoFrame(() => true, 150);
  });

  it('§6.6 unregister then immediate function_not_found (not a hang)', async () => {
    const e = await h.engine();
    const svc = await sdkLike(e.url, 'svc', ['svc::temp']);
    svc.unregisterFunction('svc::temp');
    await svc.sync();
    const caller = await sdkLike(e.url, 'caller');
    const t0 = Date.now();
    const f = await caller.callFrame('svc::temp', {}, { timeoutMs: 2000 });
    expect(f.error?.code).toBe('function_not_found');
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('§6.6 engine::functions::list contains a newly registered id within ~300 ms', async () => {
    const e = await h.engine();
    const w = await h.raw(e.url);
    w.announceVoid({ name: 'lister' });
    await w.hello();
    w.registerFunction('new::listed');
    const took = await waitListed(w, 'new::listed', 300);
    expect(took).toBeLessThan(300);
  });
});

describe('§6.6 checklist: trigger types', () => {
  it('§6.6 provider gets registertrigger with the consumer function_id and config when a consumer binds', async () => {
    const e = await h.engine();
    const provider = await sdkLike(e.url, 'provider');
    provider.registerTriggerType('tt::custom');
    await provider.sync();
    const consumer = await sdkLike(e.url, 'consumer', ['consumer::handler']);
    consumer.registerTrigger('bind-1', 'tt::custom', 'consumer::handler', { every: 5 });
    const f = await provider.nextType('registertrigger');
    expect(f).toMatchObject({ id: 'bind-1', trigger_type: 'tt::custom', function_id: 'consumer::handler', config: { every: 5 } });
  });

  it('§6.6 consumer disconnect → provider gets unregistertrigger {id, trigger_type}', async () => {
    const e = await h.engine();
    const provider = await sdkLike(e.url, 'provider');
    provider.registerTriggerType('tt::custom');
    await provider.sync();
    const consumer = await sdkLike(e.url, 'consumer', ['consumer::handler']);
    consumer.registerTrigger('bind-2', 'tt::custom', 'consumer::handler', {});
    await provider.nextType('registertrigger');
    consumer.terminate();
    const f = await provider.nextType('unregistertrigger');
    expect(f).toEqual({ type: 'unregistertrigger', id: 'bind-2', trigger_type: 'tt::custom' });
  });

  it('§6.6 provider restart → parked binding re-delivered with the same id', async () => {
    const e = await h.engine();
    const provider = await sdkLike(e.url, 'provider');
    provider.registerTriggerType('tt::restart');
    await provider.sync();
    const consumer = await sdkLike(e.url, 'consumer', ['consumer::handler']);
    consumer.registerTrigger('bind-3', 'tt::restart', 'consumer::handler', { k: 'v' });
    const first = await provider.nextType('registertrigger');
    provider.send({ type: 'triggerregistrationresult', id: first.id, trigger_type: first.trigger_type, function_id: first.function_id });
    await provider.close(1000);
    // the restarted provider announces under the same name and re-registers its type
    const restarted = await h.raw(e.url);
    restarted.send({ type: 'reattach', previous_worker_id: provider.workerId, reattach_token: provider.reattachToken });
    restarted.announceVoid({ name: 'provider' });
    restarted.registerTriggerType('tt::restart');
    const again = await restarted.nextType('registertrigger');
    expect(again).toMatchObject({ id: 'bind-3', function_id: 'consumer::handler', config: { k: 'v' } });
    await consumer.expectNoFrame(() => true, 100);
  });

  it('§6.6 binding before provider → no error frame to the consumer, delivery when the provider appears', async () => {
    const e = await h.engine();
    const consumer = await sdkLike(e.url, 'consumer', ['consumer::handler']);
    consumer.registerTrigger('bind-4', 'tt::late', 'consumer::handler', { x: 1 });
    await consumer.expectNoFrame(() => true, 300);
    const provider = await sdkLike(e.url, 'provider');
    provider.registerTriggerType('tt::late');
    const f = await provider.nextType('registertrigger');
    expect(f.id).toBe('bind-4');
    await consumer.expectNoFrame(() => true, 100);
  });

  it('§6.6 provider fires by void-invoking the consumer; the payload arrives with _caller_worker_id added', async () => {
    const e = await h.engine();
    const provider = await sdkLike(e.url, 'provider');
    provider.registerTriggerType('tt::fire');
    await provider.sync();
    const consumer = await sdkLike(e.url, 'consumer', ['consumer::handler']);
    consumer.registerTrigger('bind-5', 'tt::fire', 'consumer::handler', {});
    const b = await provider.nextType('registertrigger');
    provider.invokeVoid(b.function_id as string, { tick: 1 });
    const inv = await consumer.nextInvoke('consumer::handler');
    expect(inv.data).toEqual({ tick: 1, _caller_worker_id: provider.workerId });
  });
});

describe('§6.6 checklist: channels', () => {
  /** A worker with a producer and a consumer function that talk through one channel. */
  async function pipeline(url: string): Promise<{ w: RawWorker; refs: Frame }> {
    const w = await sdkLike(url, 'pipe', ['pipe::produce', 'pipe::consume']);
    const refs = await w.call('engine::channels::create', {});
    return { w, refs };
  }

  it('§6.6 text and binary through a channel between two functions of the same worker', async () => {
    const e = await h.engine();
    const { w, refs } = await pipeline(e.url);
    // pipe::consume gets the reader ref, pipe::produce the writer ref (refs travel as plain JSON)
    const consumeId = w.invoke('pipe::consume', { reader: refs.reader });
    const produceId = w.invoke('pipe::produce', { writer: refs.writer });
    const cInv = await w.nextInvoke('pipe::consume');
    const pInv = await w.nextInvoke('pipe::produce');
    expect(cInv.data.reader).toEqual(refs.reader);
    expect(pInv.data.writer).toEqual(refs.writer);
    const reader = h.track(await openChannel(e.url, cInv.data.reader, 'read'));
    const writer = h.track(await openChannel(e.url, pInv.data.writer, 'write'));
    writer.send('{"type":"progress","pct":50}');
    writer.sendBinary(Buffer.from('payload'));
    await writer.close(1000, 'stream_complete');
    w.reply(pInv, { result: { written: true } });
    const t = await reader.nextMsg();
    const b = await reader.nextMsg();
    expect(t.binary).toBe(false);
    expect(JSON.parse(t.text)).toEqual({ type: 'progress', pct: 50 });
    expect(b.binary).toBe(true);
    expect(b.data.toString()).toBe('payload');
    expect((await reader.waitClose()).code).toBe(1005);
    w.reply(cInv, { result: { read: 'payload' } });
    expect((await w.nextType('invocationresult', (f) => f.invocation_id === produceId)).result).toEqual({ written: true });
    expect((await w.nextType('invocationresult', (f) => f.invocation_id === consumeId)).result).toEqual({ read: 'payload' });
  });

  it('§6.6 reader connecting before writing', async () => {
    const e = await h.engine();
    const { refs } = await pipeline(e.url);
    const reader = h.track(await openChannel(e.url, refs.reader, 'read'));
    const writer = h.track(await openChannel(e.url, refs.writer, 'write'));
    writer.sendBinary(Buffer.from('x'));
    expect((await reader.nextMsg()).data.toString()).toBe('x');
  });

  it('§6.6 reader connecting after writing', async () => {
    const e = await h.engine();
    const { refs } = await pipeline(e.url);
    const writer = h.track(await openChannel(e.url, refs.writer, 'write'));
    writer.sendBinary(Buffer.from('before'));
    await writer.close(1000);
    const reader = h.track(await openChannel(e.url, refs.reader, 'read'));
    expect((await reader.nextMsg()).data.toString()).toBe('before');
    expect((await reader.waitClose()).code).toBe(1005);
  });

  it('§6.6 progress text messages interleaved with binary keep their order', async () => {
    const e = await h.engine();
    const { refs } = await pipeline(e.url);
    const reader = h.track(await openChannel(e.url, refs.reader, 'read'));
    const writer = h.track(await openChannel(e.url, refs.writer, 'write'));
    const expected: string[] = [];
    for (let i = 0; i < 10; i++) {
      writer.send(`progress ${i}`);
      writer.sendBinary(Buffer.from(`chunk ${i}`));
      expected.push(`t:progress ${i}`, `b:chunk ${i}`);
    }
    await writer.close(1000);
    const got: string[] = [];
    for (let i = 0; i < 20; i++) {
      const m = await reader.nextMsg();
      got.push(m.binary ? `b:${m.data.toString()}` : `t:${m.text}`);
    }
    expect(got).toEqual(expected);
  });

  it('§6.6 readAll ends on Close (no status code)', async () => {
    const e = await h.engine();
    const { refs } = await pipeline(e.url);
    const reader = h.track(await openChannel(e.url, refs.reader, 'read'));
    const writer = h.track(await openChannel(e.url, refs.writer, 'write'));
    for (let i = 0; i < 3; i++) writer.sendBinary(Buffer.from(`p${i}`));
    await writer.close(1000);
    const c = await reader.waitClose();
    expect(c.code).toBe(1005);
    expect(Buffer.concat(reader.received.map((m) => m.data)).toString()).toBe('p0p1p2');
  });

  it('§6.6 two channels used concurrently', async () => {
    const e = await h.engine();
    const { w } = await pipeline(e.url);
    const [a, b] = await Promise.all([w.call('engine::channels::create', {}), w.call('engine::channels::create', {})]);
    const ra = h.track(await openChannel(e.url, a!.reader, 'read'));
    const rb = h.track(await openChannel(e.url, b!.reader, 'read'));
    const wa = h.track(await openChannel(e.url, a!.writer, 'write'));
    const wb = h.track(await openChannel(e.url, b!.writer, 'write'));
    wa.sendBinary(Buffer.from('A'));
    wb.sendBinary(Buffer.from('B'));
    await Promise.all([wa.close(1000), wb.close(1000)]);
    expect((await ra.nextMsg()).data.toString()).toBe('A');
    expect((await rb.nextMsg()).data.toString()).toBe('B');
    await ra.waitClose();
    await rb.waitClose();
  });
});

describe('§6.6 checklist: engine::functions-available and timeouts', () => {
  it('§6.6 engine::functions-available fires with a list containing a newly registered function, and stops after unregistertrigger', async () => {
    const e = await h.engine({ functionsAvailablePollMs: 50 });
    const w = await sdkLike(e.url, 'watcher', ['watch::changed']);
    const got: Frame[] = [];
    w.serve('watch::changed', (d) => {
      got.push(d);
      return null;
    });
    w.registerTrigger('fa-check', 'engine::functions-available', 'watch::changed', {});
    await w.sync();
    const other = await sdkLike(e.url, 'other', ['brand::new']);
    const deadline = Date.now() + 2000;
    while (Date.now() < deadline && !got.some((d) => (d.functions as Frame[]).some((f) => f.function_id === 'brand::new'))) await sleep(20);
    const hit = got.find((d) => (d.functions as Frame[]).some((f) => f.function_id === 'brand::new'));
    expect(hit?.event).toBe('functions_changed');
    w.unregisterTrigger('fa-check');
    await w.sync();
    await sleep(120);
    const n = got.length;
    other.registerFunction('brand::newer');
    await other.sync();
    await sleep(300);
    expect(got.length).toBe(n);
  });

  it('§6.6 a handler that never answers: the engine does not answer on its own (client TIMEOUT only)', async () => {
    const e = await h.engine();
    const svc = await sdkLike(e.url, 'svc', ['svc::never']);
    const caller = await sdkLike(e.url, 'caller');
    const id = caller.invoke('svc::never', {});
    const inv = await svc.nextInvoke('svc::never');
    expect(inv.invocation_id).toBe(id);
    expect(inv.invocation_id).toMatch(UUID_RE);
    await caller.expectNoFrame(() => true, 1500);
  });
});
