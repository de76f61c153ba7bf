// §1.2 engine::workers::register, §3.12 worker-name leases, §2.4 namespace buffering,
// §3.11 reattach, §8 items 3–9, 20–21, 30–32.
import { describe, expect, it } from 'vitest';
import { useHarness } from './harness';
import { RawWorker, sleep, type Frame } from './raw-client';

const h = useHarness();

async function workerRows(w: RawWorker): Promise<Frame[]> {
  const r = await w.call('engine::workers::list', {});
  return r.workers as Frame[];
}

async function rowOf(w: RawWorker, workerId: string): Promise<Frame | undefined> {
  return (await workerRows(w)).find((x) => x.id === workerId);
}

describe('engine::workers::register (§1.2)', () => {
  it('returns {success:true} to a synchronous caller', async () => {
    const e = await h.engine();
    const w = await h.worker(e.url);
    expect(await w.announce({ name: 'sync-reg' })).toEqual({ success: true });
  });

  it('is answered with nothing when called with action void', async () => {
    const e = await h.engine();
    const w = await h.worker(e.url);
    w.announceVoid({ name: 'void-reg' });
    await w.expectNoFrame(() => true, 250);
  });

  it('stores the announced metadata (name, description, runtime, version, os, namespace)', async () => {
    const e = await h.engine();
    const w = await h.worker(e.url);
    await w.announce({ name: 'meta-w', description: 'does things', namespace: 'orders', runtime: 'node' });
    const row = await rowOf(w, w.workerId);
    expect(row).toMatchObject({
      name: 'meta-w',
      description: 'does things',
      runtime: 'node',
      version: '0.0.0-test',
      os: 'test-os',
      namespace: 'orders',
      id: w.workerId,
    });
  });

  it('applies the metadata to the calling connection even when the payload carries another _caller_worker_id', async () => {
    const e = await h.engine();
    const other = await h.announced(e.url, { name: 'other' });
    const w = await h.worker(e.url);
    await w.announce({ name: 'me', extra: { _caller_worker_id: other.workerId } });
    expect((await rowOf(w, w.workerId))?.name).toBe('me');
    expect((await rowOf(w, other.workerId))?.name).toBe('other');
  });

  it('sanitizes name and description (control and bidi characters stripped, trimmed)', async () => {
    const e = await h.engine();
    const w = await h.worker(e.url);
    await w.announce({ name: '  a\u0000b\u0007c\u202Ed\u2066e\u2028f\u009Fg\u200Eh  ', description: '\tdesc\u202A\u0001ok\n' });
    const row = await rowOf(w, w.workerId);
    expect(row?.name).toBe('abcdefg\u200Eh');
    expect(row?.description).toBe('descok');
  });

  it('keeps only the first 280 characters of a name', async () => {
    const e = await h.engine();
    const w = await h.worker(e.url);
    await w.announce({ name: 'x'.repeat(300) });
    expect((await rowOf(w, w.workerId))?.name).toBe('x'.repeat(280));
  });

  it('claims no name lease for a name that is blank after sanitizing', async () => {
    const e = await h.engine();
    const a = await h.worker(e.url);
    expect(await a.announce({ name: ' \u0001 ' })).toEqual({ success: true });
    const b = await h.worker(e.url);
    expect(await b.announce({ name: '\u202E  ' })).toEqual({ success: true });
    await b.expectNoFrame((f) => f.type === 'registrationrejected', 200);
    expect(b.isOpen).toBe(true);
  });

  it('fixes the connection namespace: later registrations land in it', async () => {
    const e = await h.engine();
    const w = await h.worker(e.url);
    await w.announce({ name: 'ns-w', namespace: 'orders' });
    w.registerFunction('ord::fn');
    await w.sync();
    const rows = await w.functionRows({ prefix: 'ord::' });
    expect(rows.map((r) => [r.function_id, r.namespace])).toEqual([['ord::fn', 'orders']]);
  });

  it('does not move the namespace on a second register (the first value wins)', async () => {
    const e = await h.engine();
    const w = await h.worker(e.url);
    await w.announce({ name: 'n1', namespace: 'first' });
    await w.announce({ name: 'n1', namespace: 'second' });
    w.registerFunction('twice::fn');
    await w.sync();
    const rows = await w.functionRows({ prefix: 'twice::' });
    expect(rows.map((r) => r.namespace)).toEqual(['first']);
  });

  it('keeps the old name lease when a second register announces a new name (§8 item 4)', async () => {
    const e = await h.engine();
    const w = await h.worker(e.url);
    await w.announce({ name: 'old-name' });
    await w.announce({ name: 'new-name' });
    const intruder = await h.worker(e.url);
    intruder.announceVoid({ name: 'old-name' });
    const rej = await intruder.nextType('registrationrejected');
    expect(rej.code).toBe('WORKER_NAMESPACE_CONFLICT');
  });

  it('fails INVALID_NAMESPACE with the exact text for a blank namespace', async () => {
    const e = await h.engine();
    const w = await h.worker(e.url);
    const f = await w.callFrame('engine::workers::register', RawWorker.announcePayload({ name: 'blanky', namespace: '  ' }));
    expect(f.error).toEqual({
      code: 'INVALID_NAMESPACE',
      message: `namespace is empty: worker 'blanky' declared "  ". Give it a name, or omit the field to register in 'default'.`,
    });
  });

  it('names an unnamed worker <unnamed> in the blank-namespace text', async () => {
    const e = await h.engine();
    const w = await h.worker(e.url);
    const f = await w.callFrame('engine::workers::register', { runtime: 'node', namespace: '' });
    expect(f.error?.message).toBe(`namespace is empty: worker '<unnamed>' declared "". Give it a name, or omit the field to register in 'default'.`);
  });

  it('fails deserialization_error for a non-string namespace and stores nothing (§8 item 9)', async () => {
    const e = await h.engine();
    const w = await h.worker(e.url);
    const f = await w.callFrame('engine::workers::register', { name: 'typed', pid: 1, namespace: 42 });
    expect(f.error?.code).toBe('deserialization_error');
    expect(String(f.error?.message)).toMatch(/^Failed to deserialize input for engine::workers::register: /);
    expect((await rowOf(w, w.workerId))?.name ?? null).not.toBe('typed');
  });

  it('stores runtime "unknown" when the announce has no runtime (§8 item 4)', async () => {
    const e = await h.engine();
    const w = await h.worker(e.url);
    await w.announce({ name: 'no-runtime', extra: { runtime: undefined } });
    expect((await rowOf(w, w.workerId))?.runtime).toBe('unknown');
  });

  it('keeps fields absent from a second register but always overwrites runtime and version (§8 item 4)', async () => {
    const e = await h.engine();
    const w = await h.worker(e.url);
    await w.announce({ name: 'twice', description: 'kept', runtime: 'node' });
    await w.call('engine::workers::register', { pid: 4242 });
    const row = await rowOf(w, w.workerId);
    expect(row?.name).toBe('twice');
    expect(row?.description).toBe('kept');
    expect(row?.runtime).toBe('unknown');
    expect(row?.version).toBeNull();
  });

  it('removes a departed worker from engine::workers::list', async () => {
    const e = await h.engine();
    const lister = await h.announced(e.url, { name: 'stays' });
    const w = await h.announced(e.url, { name: 'leaves' });
    expect((await rowOf(lister, w.workerId))?.name).toBe('leaves');
    await w.close();
    await sleep(30);
    expect(await rowOf(lister, w.workerId)).toBeUndefined();
  });

  it('lets the same name live in two namespaces', async () => {
    const e = await h.engine();
    await h.announced(e.url, { name: 'dup', namespace: 'a' });
    const b = await h.worker(e.url);
    expect(await b.announce({ name: 'dup', namespace: 'b' })).toEqual({ success: true });
  });
});

describe('worker-name leases (§1.2, §3.12, §8 items 6–7)', () => {
  it('rejects a second live worker with the same name: registrationrejected WORKER_NAMESPACE_CONFLICT then Close 1005', async () => {
    const e = await h.engine();
    const owner = await h.announced(e.url, { name: 'taken', namespace: 'orders' });
    const w = await h.worker(e.url);
    const id = w.invoke('engine::workers::register', RawWorker.announcePayload({ name: 'taken', namespace: 'orders' }));
    const rej = await w.nextType('registrationrejected');
    expect(rej).toEqual({
      type: 'registrationrejected',
      code: 'WORKER_NAMESPACE_CONFLICT',
      namespace: 'orders',
      worker_name: 'taken',
      owner_worker_id: owner.workerId,
    });
    const c = await w.waitClose();
    expect(c.code).toBe(1005);
    // the {success:false} result is never delivered (queued behind the Close)
    expect(w.received.some((m) => m.json?.invocation_id === id)).toBe(false);
  });

  it('never applies the buffered registrations of a rejected worker', async () => {
    const e = await h.engine();
    const owner = await h.announced(e.url, { name: 'taken2' });
    const w = await h.raw(e.url);
    w.registerFunction('rejected::fn');
    w.announceVoid({ name: 'taken2' });
    await w.nextType('registrationrejected');
    await w.waitClose();
    await sleep(50);
    expect(await owner.functionIds({ prefix: 'rejected::' })).toEqual([]);
  });

  it('still runs invokes read after a WORKER_NAMESPACE_CONFLICT (§8 item 7)', async () => {
    const e = await h.engine();
    const owner = await h.announced(e.url, { name: 'busy-name' });
    owner.registerFunction('after::reject');
    await owner.sync();
    const w = await h.worker(e.url);
    w.announceVoid({ name: 'busy-name' });
    w.invokeVoid('after::reject', { still: true });
    await w.nextType('registrationrejected');
    const inv = await owner.nextInvoke('after::reject');
    expect(inv.data).toEqual({ still: true, _caller_worker_id: w.workerId });
  });

  it('frees the name when its owner disconnects', async () => {
    const e = await h.engine();
    const owner = await h.announced(e.url, { name: 'freed' });
    await owner.close();
    const w = await h.worker(e.url);
    expect(await w.announce({ name: 'freed' })).toEqual({ success: true });
  });

  it('fires no rejection for the owner re-announcing its own name', async () => {
    const e = await h.engine();
    const w = await h.announced(e.url, { name: 'again' });
    expect(await w.announce({ name: 'again' })).toEqual({ success: true });
  });
});

describe('namespace buffering (§2.4 item 3, §8 items 20–21)', () => {
  it('does not apply registrations before the namespace is fixed', async () => {
    const e = await h.engine({ registrationGraceMs: 5000 });
    const w = await h.worker(e.url);
    w.registerFunction('buf::fn');
    await w.sync();
    const probe = await h.announced(e.url, { name: 'probe' });
    const f = await probe.callFrame('buf::fn', {});
    expect(f.error?.code).toBe('function_not_found');
    expect(await probe.functionIds({ prefix: 'buf::' })).toEqual([]);
  });

  it('applies buffered registrations once engine::workers::register fixes the namespace', async () => {
    const e = await h.engine({ registrationGraceMs: 5000 });
    const w = await h.worker(e.url);
    w.registerFunction('buf2::fn');
    await w.sync();
    await w.announce({ name: 'late', namespace: 'later' });
    await w.sync();
    const rows = await w.functionRows({ prefix: 'buf2::' });
    expect(rows.map((r) => [r.function_id, r.namespace])).toEqual([['buf2::fn', 'later']]);
  });

  it('applies buffered registrations in default after the grace period', async () => {
    const e = await h.engine({ registrationGraceMs: 150 });
    const w = await h.worker(e.url);
    w.registerFunction('grace::fn');
    await sleep(400);
    const rows = await w.functionRows({ prefix: 'grace::' });
    expect(rows.map((r) => [r.function_id, r.namespace])).toEqual([['grace::fn', 'default']]);
  });

  it('applies buffered frames in arrival order', async () => {
    const e = await h.engine({ registrationGraceMs: 5000 });
    const w = await h.worker(e.url);
    w.registerFunction('order::a');
    w.registerFunction('order::b');
    w.unregisterFunction('order::a');
    await w.announce({ name: 'orderly' });
    await w.sync();
    expect(await w.functionIds({ prefix: 'order::' })).toEqual(['order::b']);
  });

  it('does not buffer invokes: a call before the announce is answered at once', async () => {
    const e = await h.engine({ registrationGraceMs: 5000 });
    const w = await h.worker(e.url);
    const r = await w.call('engine::functions::list', {}, { timeoutMs: 1000 });
    expect(Array.isArray(r.functions)).toBe(true);
  });

  it('uses the already fixed namespace for a register that arrives after the grace period (§8 item 5)', async () => {
    const e = await h.engine({ registrationGraceMs: 100 });
    const w = await h.worker(e.url);
    await sleep(300);
    expect(await w.announce({ name: 'tardy', namespace: 'orders' })).toEqual({ success: true });
    w.registerFunction('tardy::fn');
    await w.sync();
    const rows = await w.functionRows({ prefix: 'tardy::' });
    expect(rows.map((r) => r.namespace)).toEqual(['default']);
    const row = (await workerRows(w)).find((x) => x.id === w.workerId);
    expect(row?.namespace).toBe('default');
  });

  it('falls into default after the grace period when the register failed INVALID_NAMESPACE', async () => {
    const e = await h.engine({ registrationGraceMs: 150 });
    const w = await h.worker(e.url);
    w.announceVoid({ name: 'blank-ns', namespace: '' });
    w.registerFunction('blankns::fn');
    await sleep(400);
    const rows = await w.functionRows({ prefix: 'blankns::' });
    expect(rows.map((r) => r.namespace)).toEqual(['default']);
  });
});

describe('reattach (§3.11, §8 items 31–32)', () => {
  it('evicts the previous connection, which sees an abnormal closure (1006)', async () => {
    const e = await h.engine();
    const old = await h.announced(e.url, { name: 're' });
    const fresh = await h.worker(e.url);
    fresh.send({ type: 'reattach', previous_worker_id: old.workerId, reattach_token: old.reattachToken });
    const c = await old.waitClose(3000);
    expect(c.code).toBe(1006);
  });

  it('sends no reply to a reattach', async () => {
    const e = await h.engine();
    const old = await h.announced(e.url, { name: 're-quiet' });
    const fresh = await h.worker(e.url);
    fresh.send({ type: 'reattach', previous_worker_id: old.workerId, reattach_token: old.reattachToken });
    await old.waitClose(3000);
    await fresh.expectNoFrame(() => true, 200);
  });

  it('frees the old leases before reading the next frame (name and functions land on the new connection)', async () => {
    const e = await h.engine();
    const old = await h.announced(e.url, { name: 'w1' });
    old.registerFunction('math::add');
    await old.sync();
    const fresh = await h.raw(e.url);
    fresh.send({ type: 'reattach', previous_worker_id: old.workerId, reattach_token: old.reattachToken });
    const regId = fresh.invoke('engine::workers::register', RawWorker.announcePayload({ name: 'w1' }));
    fresh.registerFunction('math::add');
    await fresh.hello();
    const res = await fresh.nextType('invocationresult', (f) => f.invocation_id === regId);
    expect(res.result).toEqual({ success: true });
    await fresh.sync();
    expect(fresh.received.some((m) => m.json?.type === 'registrationrejected')).toBe(false);
    fresh.serve('math::add', (d) => ({ c: Number(d.a) + Number(d.b) }));
    const caller = await h.announced(e.url, { name: 'caller' });
    expect(await caller.call('math::add', { a: 2, b: 3 })).toEqual({ c: 5 });
    const rows = await caller.functionRows({ prefix: 'math::' });
    expect(rows.map((r) => r.worker_name)).toEqual(['w1']);
  });

  it('ends the calls the evicted connection was serving with invocation_stopped', async () => {
    const e = await h.engine();
    const old = await h.announced(e.url, { name: 'busy' });
    old.registerFunction('slow::job');
    await old.sync();
    const caller = await h.announced(e.url, { name: 'waiting' });
    const id = caller.invoke('slow::job', {});
    await old.nextInvoke('slow::job');
    const fresh = await h.worker(e.url);
    fresh.send({ type: 'reattach', previous_worker_id: old.workerId, reattach_token: old.reattachToken });
    const r = await caller.nextType('invocationresult', (f) => f.invocation_id === id, 3000);
    expect(r.error).toEqual({ code: 'invocation_stopped', message: 'Invocation stopped' });
  });

  it('does not save a register handled before the reattach: WORKER_NAMESPACE_CONFLICT (§8 item 32)', async () => {
    const e = await h.engine();
    const old = await h.announced(e.url, { name: 'order-matters' });
    const fresh = await h.worker(e.url);
    fresh.announceVoid({ name: 'order-matters' });
    fresh.send({ type: 'reattach', previous_worker_id: old.workerId, reattach_token: old.reattachToken });
    const rej = await fresh.nextType('registrationrejected');
    expect(rej.code).toBe('WORKER_NAMESPACE_CONFLICT');
  });

  it('ignores a reattach with a wrong token', async () => {
    const e = await h.engine();
    const old = await h.announced(e.url, { name: 'keep' });
    const fresh = await h.worker(e.url);
    fresh.send({ type: 'reattach', previous_worker_id: old.workerId, reattach_token: '00000000-0000-4000-8000-000000000000' });
    fresh.announceVoid({ name: 'keep' });
    const rej = await fresh.nextType('registrationrejected');
    expect(rej.code).toBe('WORKER_NAMESPACE_CONFLICT');
    expect(old.isOpen).toBe(true);
    await old.sync();
  });

  it('ignores a reattach without a token', async () => {
    const e = await h.engine();
    const old = await h.announced(e.url, { name: 'notoken' });
    const fresh = await h.worker(e.url);
    fresh.send({ type: 'reattach', previous_worker_id: old.workerId });
    await fresh.sync();
    await sleep(100);
    expect(old.isOpen).toBe(true);
    await old.sync();
  });

  it('ignores a reattach whose token is in another spelling (exact comparison)', async () => {
    const e = await h.engine();
    const old = await h.announced(e.url, { name: 'upper' });
    const fresh = await h.worker(e.url);
    fresh.send({ type: 'reattach', previous_worker_id: old.workerId, reattach_token: old.reattachToken.toUpperCase() });
    await fresh.sync();
    await sleep(100);
    expect(old.isOpen).toBe(true);
  });

  it('ignores a reattach with an unparsable previous_worker_id, keeping the connection usable', async () => {
    const e = await h.engine();
    const w = await h.worker(e.url);
    w.send({ type: 'reattach', previous_worker_id: 'not-a-uuid', reattach_token: w.reattachToken });
    await w.sync();
    expect(w.isOpen).toBe(true);
  });

  it('ignores a reattach naming the connection itself', async () => {
    const e = await h.engine();
    const w = await h.worker(e.url);
    w.send({ type: 'reattach', previous_worker_id: w.workerId, reattach_token: w.reattachToken });
    await w.sync();
    await sleep(50);
    expect(w.isOpen).toBe(true);
    await w.sync();
  });

  it('honours a reattach arriving on another listener', async () => {
    const e = await h.engine({ listeners: [{ port: 0 }, { port: 0 }] });
    const old = await h.announced(e.listeners[0]!.url, { name: 'cross' });
    const fresh = await h.worker(e.listeners[1]!.url);
    fresh.send({ type: 'reattach', previous_worker_id: old.workerId, reattach_token: old.reattachToken });
    const c = await old.waitClose(3000);
    expect(c.code).toBe(1006);
  });
});

describe('workers-available events of the connection lifecycle (§2.4, §3.13)', () => {
  it('fires worker_connected, worker_metadata_updated and worker_disconnected', async () => {
    const e = await h.engine();
    const watcher = await h.announced(e.url, { name: 'watcher' });
    watcher.registerFunction('watch::events');
    const events: Frame[] = [];
    watcher.serve('watch::events', (d) => {
      events.push(d);
      return null;
    });
    watcher.registerTrigger('wa-1', 'engine::workers-available', 'watch::events', {});
    await watcher.sync();
    const w = await h.worker(e.url);
    await w.announce({ name: 'observed' });
    await w.close();
    const ofW = (ev: string) => events.some((x) => x.event === ev && x.worker_id === w.workerId);
    for (let i = 0; i < 60 && !(ofW('worker_connected') && ofW('worker_metadata_updated') && ofW('worker_disconnected')); i++) {
      await sleep(25);
    }
    expect(ofW('worker_connected')).toBe(true);
    expect(ofW('worker_metadata_updated')).toBe(true);
    expect(ofW('worker_disconnected')).toBe(true);
    const seq = events.filter((x) => x.worker_id === w.workerId).map((x) => x.event);
    expect(seq.indexOf('worker_connected')).toBeLessThan(seq.indexOf('worker_disconnected'));
  });
});
