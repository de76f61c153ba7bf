// §3.3 invoke → result, §3.5 no engine timeout, §3.6 void and enqueue, §3.13 in-flight calls,
// §8 items 11, 15, 16, 23–26.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useHarness } from './harness';
import { sleep, UUID_RE, type Frame } from './raw-client';

const h = useHarness();

const ENQUEUE_MISSING =
  'No queue provider is installed. `TriggerAction::Enqueue` routes through the `engine::queue::enqueue` provider, which the standalone queue worker registers. Add it with `iii worker add queue`. (underlying: Function engine::queue::enqueue not found in namespace default)';

async function pair(opts: Parameters<typeof h.engine>[0] = {}) {
  const e = await h.engine(opts);
  const target = await h.announced(e.url, { name: 'target' });
  const caller = await h.announced(e.url, { name: 'caller' });
  return { e, target, caller };
}

describe('namespace resolution and function_not_found (§3.3, §8 item 23)', () => {
  it('answers function_not_found with the exact message for an unknown id', async () => {
    const { caller } = await pair();
    const f = await caller.callFrame('nope', {});
    expect(f).toEqual({
      type: 'invocationresult',
      invocation_id: f.invocation_id,
      function_id: 'nope',
      error: { code: 'function_not_found', message: 'Function nope not found in namespace default.' },
    });
  });

  it('resolves only in the frame namespace and hints where the id lives, sorted', async () => {
    const e = await h.engine();
    const b = await h.announced(e.url, { namespace: 'beta' });
    const a = await h.announced(e.url, { namespace: 'alpha' });
    b.registerFunction('x::fn');
    a.registerFunction('x::fn');
    await a.sync();
    await b.sync();
    const caller = await h.announced(e.url, { namespace: 'alpha' });
    const f = await caller.callFrame('x::fn', {});
    expect(f.error).toEqual({
      code: 'function_not_found',
      message: 'Function x::fn not found in namespace default. It is registered in namespace(s): alpha, beta.',
    });
  });

  it('reaches a function in the namespace named by the frame', async () => {
    const e = await h.engine();
    const t = await h.announced(e.url, { namespace: 'orders' });
    t.registerFunction('o::fn');
    t.serve('o::fn', () => 'in-orders');
    await t.sync();
    const caller = await h.announced(e.url);
    expect(await caller.call('o::fn', {}, { namespace: 'orders' })).toBe('in-orders');
  });

  it('never falls back to the caller connection namespace', async () => {
    const e = await h.engine();
    const t = await h.announced(e.url, { namespace: 'home' });
    t.registerFunction('home::fn');
    await t.sync();
    const f = await t.callFrame('home::fn', {});
    expect(f.error?.message).toBe('Function home::fn not found in namespace default. It is registered in namespace(s): home.');
  });

  it('treats "namespace": null as default', async () => {
    const { target, caller } = await pair();
    target.registerFunction('nul::fn');
    target.serve('nul::fn', () => 1);
    await target.sync();
    const id = randomUUID();
    caller.send({ type: 'invokefunction', invocation_id: id, function_id: 'nul::fn', data: {}, namespace: null });
    const f = await caller.nextType('invocationresult', (x) => x.invocation_id === id);
    expect(f.result).toBe(1);
  });

  it('answers INVALID_NAMESPACE with the exact text for a blank namespace', async () => {
    const { caller } = await pair();
    const f = await caller.callFrame('any::fn', {}, { namespace: '   ' });
    expect(f.error).toEqual({
      code: 'INVALID_NAMESPACE',
      message: '`namespace` is empty: it was named and left blank. Give it a name, or omit it to use `default`.',
    });
    expect(f.function_id).toBe('any::fn');
  });

  it('sends nothing for a blank namespace without invocation_id', async () => {
    const { caller } = await pair();
    caller.send({ type: 'invokefunction', function_id: 'any::fn', data: {}, namespace: '' });
    await caller.expectNoFrame(() => true, 250);
  });
});

describe('delivery to the target (§3.3, §8 items 16, 26)', () => {
  it('delivers with the caller invocation_id, the data, metadata and without action/namespace', async () => {
    const e = await h.engine();
    const t = await h.announced(e.url, { namespace: 'orders' });
    t.registerFunction('d::fn');
    await t.sync();
    const caller = await h.announced(e.url);
    const id = caller.invoke('d::fn', { a: 1 }, { namespace: 'orders', metadata: { tenant: 'acme' } });
    const inv = await t.nextInvoke('d::fn');
    expect(inv.invocation_id).toBe(id);
    expect(inv.data).toEqual({ a: 1, _caller_worker_id: caller.workerId });
    expect(inv.metadata).toEqual({ tenant: 'acme' });
    expect(inv).not.toHaveProperty('action');
    expect(inv).not.toHaveProperty('namespace');
  });

  it('injects _caller_worker_id into object payloads', async () => {
    const { target, caller } = await pair();
    target.registerFunction('inj::fn');
    await target.sync();
    caller.invoke('inj::fn', { x: 1 });
    const inv = await target.nextInvoke('inj::fn');
    expect(inv.data._caller_worker_id).toBe(caller.workerId);
  });

  it('overwrites a client-supplied _caller_worker_id', async () => {
    const { target, caller } = await pair();
    target.registerFunction('inj2::fn');
    await target.sync();
    caller.invoke('inj2::fn', { _caller_worker_id: 'forged' });
    const inv = await target.nextInvoke('inj2::fn');
    expect(inv.data).toEqual({ _caller_worker_id: caller.workerId });
  });

  it('passes non-object payloads unchanged', async () => {
    const { target, caller } = await pair();
    target.registerFunction('raw::fn');
    await target.sync();
    const payloads: unknown[] = [[1, 2], 'text', 7, null, true];
    for (const p of payloads) {
      caller.invoke('raw::fn', p);
      const inv = await target.nextInvoke('raw::fn');
      expect(inv.data).toEqual(p);
    }
  });

  it('injects _caller_worker_id when a worker calls its own function', async () => {
    const e = await h.engine();
    const w = await h.announced(e.url);
    w.registerFunction('self::fn');
    await w.sync();
    w.invoke('self::fn', {});
    const inv = await w.nextInvoke('self::fn');
    expect(inv.data).toEqual({ _caller_worker_id: w.workerId });
  });

  it('forwards the result to the caller with its invocation_id and requested function_id', async () => {
    const { target, caller } = await pair();
    target.registerFunction('res::fn');
    target.serve('res::fn', () => ({ c: 5, nested: { list: [1, 'two', null] } }));
    await target.sync();
    const f = await caller.callFrame('res::fn', { a: 2 });
    expect(f.type).toBe('invocationresult');
    expect(f.function_id).toBe('res::fn');
    expect(f.result).toEqual({ c: 5, nested: { list: [1, 'two', null] } });
    expect(f).not.toHaveProperty('error');
  });

  it('accepts the result from any connection (no sender check)', async () => {
    const { e, target, caller } = await pair();
    target.registerFunction('any::src');
    await target.sync();
    const third = await h.announced(e.url);
    const id = caller.invoke('any::src', {});
    const inv = await target.nextInvoke('any::src');
    third.reply(inv, { result: 'from-third' });
    const f = await caller.nextType('invocationresult', (x) => x.invocation_id === id);
    expect(f.result).toBe('from-third');
  });

  it('re-emits an upper-case invocation_id lower-case hyphenated (§8 item 11)', async () => {
    const { target, caller } = await pair();
    target.registerFunction('case::fn');
    target.serve('case::fn', () => 'ok');
    await target.sync();
    const id = randomUUID();
    caller.send({ type: 'invokefunction', invocation_id: id.toUpperCase(), function_id: 'case::fn', data: {} });
    const f = await caller.nextType('invocationresult');
    expect(f.invocation_id).toBe(id);
  });

  it('accepts a 32-hex-digit invocation_id and answers it hyphenated', async () => {
    const { caller } = await pair();
    const id = randomUUID();
    caller.send({ type: 'invokefunction', invocation_id: id.replace(/-/g, ''), function_id: 'nope::x', data: {} });
    const f = await caller.nextType('invocationresult');
    expect(f.invocation_id).toBe(id);
  });

  it('runs a call without invocation_id but sends no result', async () => {
    const { target, caller } = await pair();
    target.registerFunction('noid::fn');
    await target.sync();
    caller.send({ type: 'invokefunction', function_id: 'noid::fn', data: { q: 1 } });
    const inv = await target.nextInvoke('noid::fn');
    expect(inv.invocation_id).toMatch(UUID_RE);
    target.reply(inv, { result: 'ignored' });
    await caller.expectNoFrame(() => true, 250);
  });

  it('sends no result for an unknown function called without invocation_id', async () => {
    const { caller } = await pair();
    caller.send({ type: 'invokefunction', function_id: 'missing::fn', data: {} });
    await caller.expectNoFrame(() => true, 250);
  });
});

describe('result rebuilding (§3.3, §8 item 15)', () => {
  /** The caller's result after the target answered with `body` (on `p`, or a new pair). */
  async function relay(body: Frame, p?: Awaited<ReturnType<typeof pair>>): Promise<Frame> {
    const { target, caller } = p ?? (await pair());
    target.registerFunction('rb::fn');
    await target.sync();
    const id = caller.invoke('rb::fn', {});
    const inv = await target.nextInvoke('rb::fn');
    target.send({ type: 'invocationresult', invocation_id: inv.invocation_id, function_id: 'rb::fn', ...body });
    return caller.nextType('invocationresult', (f) => f.invocation_id === id);
  }

  it('forwards only error when the target sent both error and result', async () => {
    const f = await relay({ result: { ok: true }, error: { code: 'invocation_failed', message: 'boom' } });
    expect(f.error).toEqual({ code: 'invocation_failed', message: 'boom' });
    expect(f).not.toHaveProperty('result');
  });

  it('forwards a null result as no result key', async () => {
    const f = await relay({ result: null });
    expect(f).not.toHaveProperty('result');
    expect(f).not.toHaveProperty('error');
  });

  it('keeps code, message and stacktrace of an error and drops other keys', async () => {
    const f = await relay({ error: { code: 'invocation_failed', message: 'boom', stacktrace: 'Error: boom\n at x', extra: 1 } });
    expect(f.error).toEqual({ code: 'invocation_failed', message: 'boom', stacktrace: 'Error: boom\n at x' });
  });

  it('forwards a falsy non-null result (0, false, "") as a result', async () => {
    const p = await pair();
    for (const value of [0, false, '']) {
      const f = await relay({ result: value }, p);
      expect(f.result).toBe(value);
    }
  });
});

describe('timeouts and disconnects (§3.5, §3.13, §8 item 25)', () => {
  it('enforces no engine timeout: a slow target is still forwarded later', async () => {
    const { target, caller } = await pair();
    target.registerFunction('slow::fn');
    await target.sync();
    const id = caller.invoke('slow::fn', {});
    const inv = await target.nextInvoke('slow::fn');
    await caller.expectNoFrame(() => true, 1200);
    target.reply(inv, { result: 'late' });
    const f = await caller.nextType('invocationresult', (x) => x.invocation_id === id);
    expect(f.result).toBe('late');
  });

  it('ends an in-flight call with invocation_stopped when the target disconnects', async () => {
    const { target, caller } = await pair();
    target.registerFunction('stop::fn');
    await target.sync();
    const id = caller.invoke('stop::fn', {});
    await target.nextInvoke('stop::fn');
    await target.close();
    const f = await caller.nextType('invocationresult', (x) => x.invocation_id === id);
    expect(f).toEqual({
      type: 'invocationresult',
      invocation_id: id,
      function_id: 'stop::fn',
      error: { code: 'invocation_stopped', message: 'Invocation stopped' },
    });
  });

  it('ends an in-flight call with invocation_stopped when the target socket drops without Close', async () => {
    const { target, caller } = await pair();
    target.registerFunction('drop::fn');
    await target.sync();
    const id = caller.invoke('drop::fn', {});
    await target.nextInvoke('drop::fn');
    target.terminate();
    const f = await caller.nextType('invocationresult', (x) => x.invocation_id === id);
    expect(f.error?.code).toBe('invocation_stopped');
  });

  it('tells nobody anything when the caller disconnects and discards the late result', async () => {
    const { e, target, caller } = await pair();
    target.registerFunction('orphan::fn');
    await target.sync();
    caller.invoke('orphan::fn', {});
    const inv = await target.nextInvoke('orphan::fn');
    await caller.close();
    await target.expectNoFrame(() => true, 200);
    target.reply(inv, { result: 'nobody listens' });
    await target.expectNoFrame(() => true, 150);
    const other = await h.announced(e.url);
    await other.sync();
    await target.sync();
  });
});

describe('void (§3.6)', () => {
  it('delivers a void invoke with a fresh invocation id and never answers the caller', async () => {
    const { target, caller } = await pair();
    target.registerFunction('v::fn');
    await target.sync();
    caller.invokeVoid('v::fn', { n: 1 });
    const inv = await target.nextInvoke('v::fn');
    expect(inv.invocation_id).toMatch(UUID_RE);
    expect(inv.data).toEqual({ n: 1, _caller_worker_id: caller.workerId });
    target.reply(inv, { result: 'discarded' });
    await caller.expectNoFrame(() => true, 250);
  });

  it('ignores an invocation_id sent with action void', async () => {
    const { target, caller } = await pair();
    target.registerFunction('v2::fn');
    target.serve('v2::fn', () => 'x');
    await target.sync();
    caller.invoke('v2::fn', {}, { action: { type: 'void' } });
    await caller.expectNoFrame(() => true, 300);
    expect(target.received.filter((m) => m.json?.type === 'invokefunction')).toHaveLength(1);
  });

  it('never answers a void invoke of an unknown function', async () => {
    const { caller } = await pair();
    caller.invoke('void::missing', {}, { action: { type: 'void' } });
    await caller.expectNoFrame(() => true, 250);
  });

  it('never answers a void invoke whose handler fails', async () => {
    const { target, caller } = await pair();
    target.registerFunction('vf::fn');
    target.serve('vf::fn', () => ({ error: { code: 'invocation_failed', message: 'x' } }));
    await target.sync();
    caller.invoke('vf::fn', {}, { action: { type: 'void' } });
    await caller.expectNoFrame(() => true, 250);
  });

  it('treats "action": null as a synchronous call', async () => {
    const { target, caller } = await pair();
    target.registerFunction('an::fn');
    target.serve('an::fn', () => 'sync');
    await target.sync();
    const id = randomUUID();
    caller.send({ type: 'invokefunction', invocation_id: id, function_id: 'an::fn', data: {}, action: null });
    const f = await caller.nextType('invocationresult', (x) => x.invocation_id === id);
    expect(f.result).toBe('sync');
  });
});

describe('enqueue (§3.6)', () => {
  it('answers enqueue_error with the exact guidance text when no provider is installed', async () => {
    const { caller } = await pair();
    const f = await caller.callFrame('payments::charge', { orderId: '1' }, { action: { type: 'enqueue', queue: 'payment' } });
    expect(f.function_id).toBe('payments::charge');
    expect(f.error).toEqual({ code: 'enqueue_error', message: ENQUEUE_MISSING });
  });

  it('sends nothing for an enqueue without invocation_id', async () => {
    const { caller } = await pair();
    caller.send({ type: 'invokefunction', function_id: 'payments::charge', data: {}, action: { type: 'enqueue', queue: 'payment' } });
    await caller.expectNoFrame(() => true, 250);
  });

  it('answers {messageReceiptId} when the queue option provides engine::queue::enqueue', async () => {
    const { caller } = await pair({ queue: { queues: ['payment'], deliveryDelayMs: 20 } });
    const f = await caller.callFrame('payments::charge', { orderId: '1' }, { action: { type: 'enqueue', queue: 'payment' } });
    expect(f.error).toBeUndefined();
    expect(Object.keys(f.result as object)).toEqual(['messageReceiptId']);
    expect(f.result.messageReceiptId).toMatch(UUID_RE);
  });

  it('delivers an enqueued job to the target later, without _caller_worker_id', async () => {
    const { target, caller } = await pair({ queue: { queues: ['payment'], deliveryDelayMs: 20 } });
    target.registerFunction('payments::charge');
    await target.sync();
    const f = await caller.callFrame('payments::charge', { orderId: '123' }, { action: { type: 'enqueue', queue: 'payment' } });
    expect(f.result.messageReceiptId).toMatch(UUID_RE);
    const inv = await target.nextInvoke('payments::charge', 3000);
    expect(inv.data).toEqual({ orderId: '123' });
    target.reply(inv, { result: null });
  });

  it('delivers an enqueued job in the namespace of the invoke', async () => {
    const e = await h.engine({ queue: { queues: ['jobs'], deliveryDelayMs: 20 } });
    const t = await h.announced(e.url, { namespace: 'orders' });
    t.registerFunction('job::run');
    await t.sync();
    const caller = await h.announced(e.url);
    await caller.call('job::run', { n: 1 }, { namespace: 'orders', action: { type: 'enqueue', queue: 'jobs' } });
    const inv = await t.nextInvoke('job::run', 3000);
    expect(inv.data).toEqual({ n: 1 });
  });

  it('answers enqueue_error naming an undefined queue', async () => {
    const { caller } = await pair({ queue: { queues: ['payment'] } });
    const f = await caller.callFrame('payments::charge', {}, { action: { type: 'enqueue', queue: 'nope' } });
    expect(f.error?.code).toBe('enqueue_error');
    expect(f.error?.message).toContain("queue 'nope' is not defined");
  });

  it('does not check that the enqueue target exists', async () => {
    const { caller } = await pair({ queue: { queues: ['payment'], deliveryDelayMs: 20 } });
    const f = await caller.callFrame('not::there', {}, { action: { type: 'enqueue', queue: 'payment' } });
    expect(f.result?.messageReceiptId).toMatch(UUID_RE);
  });

  it('lists engine::queue::enqueue by default (engine::queue::* is not hidden, §5)', async () => {
    const { caller } = await pair({ queue: { queues: ['payment'] } });
    const r = await caller.call('engine::functions::list', {});
    expect((r.functions as Frame[]).map((x) => x.function_id)).toContain('engine::queue::enqueue');
  });

  it('gives a distinct messageReceiptId per enqueue', async () => {
    const { caller } = await pair({ queue: { queues: ['q'] } });
    const a = await caller.call('f::x', {}, { action: { type: 'enqueue', queue: 'q' } });
    const b = await caller.call('f::x', {}, { action: { type: 'enqueue', queue: 'q' } });
    expect(a.messageReceiptId).not.toBe(b.messageReceiptId);
  });
});

describe('colliding invocation ids (§8 item 24)', () => {
  it('fails the earlier caller with invocation_error when a later call reuses its id', async () => {
    const { e, target, caller } = await pair();
    target.registerFunction('col::fn');
    await target.sync();
    const other = await h.announced(e.url);
    const id = randomUUID();
    caller.invoke('col::fn', {}, { invocationId: id });
    await target.nextInvoke('col::fn');
    other.invoke('col::fn', {}, { invocationId: id });
    const f = await caller.nextType('invocationresult', (x) => x.invocation_id === id);
    expect(f.error?.code).toBe('invocation_error');
    await sleep(10);
  });
});
