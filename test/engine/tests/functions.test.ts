// §3.2 register/unregister function, leases, engine:: reservation, HTTP-invoked registrations.
import { describe, expect, it } from 'vitest';
import { useHarness } from './harness';
import { sleep } from './raw-client';

const h = useHarness();

describe('function registration (§3.2)', () => {
  it('sends no acknowledgement for a registration', async () => {
    const e = await h.engine();
    const w = await h.announced(e.url);
    w.registerFunction('quiet::fn');
    await w.expectNoFrame(() => true, 200);
  });

  it('routes invocations of a registered function to its owner', async () => {
    const e = await h.engine();
    const owner = await h.announced(e.url);
    owner.registerFunction('route::fn');
    owner.serve('route::fn', () => 'owned');
    await owner.sync();
    const caller = await h.announced(e.url);
    expect(await caller.call('route::fn', {})).toBe('owned');
  });

  it('keeps the first live owner and answers a second one with FUNCTION_NAMESPACE_CONFLICT', async () => {
    const e = await h.engine();
    const owner = await h.announced(e.url, { namespace: 'orders' });
    owner.registerFunction('orders::get');
    owner.serve('orders::get', () => 'first');
    await owner.sync();
    const second = await h.announced(e.url, { namespace: 'orders' });
    second.registerFunction('orders::get');
    const rej = await second.nextType('registrationrejected');
    expect(rej).toEqual({
      type: 'registrationrejected',
      code: 'FUNCTION_NAMESPACE_CONFLICT',
      namespace: 'orders',
      function_id: 'orders::get',
      owner_worker_id: owner.workerId,
    });
    const caller = await h.announced(e.url);
    expect(await caller.call('orders::get', {}, { namespace: 'orders' })).toBe('first');
  });

  it('keeps the rejected worker connected after FUNCTION_NAMESPACE_CONFLICT', async () => {
    const e = await h.engine();
    const owner = await h.announced(e.url);
    owner.registerFunction('conf::fn');
    await owner.sync();
    const second = await h.announced(e.url);
    second.registerFunction('conf::fn');
    await second.nextType('registrationrejected');
    await sleep(50);
    expect(second.isOpen).toBe(true);
    await second.sync();
  });

  it('treats re-registration by the same connection as idempotent', async () => {
    const e = await h.engine();
    const w = await h.announced(e.url);
    w.registerFunction('idem::fn');
    w.registerFunction('idem::fn', { description: 'v2' });
    await w.sync();
    await w.expectNoFrame((f) => f.type === 'registrationrejected', 150);
    const rows = await w.functionRows({ prefix: 'idem::' });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.description).toBe('v2');
  });

  it('lets another worker take the lease over after the owner disconnects', async () => {
    const e = await h.engine();
    const owner = await h.announced(e.url);
    owner.registerFunction('take::fn');
    await owner.sync();
    await owner.close();
    const next = await h.announced(e.url);
    next.registerFunction('take::fn');
    next.serve('take::fn', () => 'second');
    await next.sync();
    await next.expectNoFrame((f) => f.type === 'registrationrejected', 100);
    expect(await next.call('take::fn', {})).toBe('second');
  });

  it('removes the functions of a departed owner', async () => {
    const e = await h.engine();
    const owner = await h.announced(e.url);
    owner.registerFunction('gone::fn');
    await owner.sync();
    await owner.close();
    const caller = await h.announced(e.url);
    await sleep(30);
    const f = await caller.callFrame('gone::fn', {});
    expect(f.error?.code).toBe('function_not_found');
  });

  it('lets the same id live independently in two namespaces', async () => {
    const e = await h.engine();
    const a = await h.announced(e.url, { namespace: 'a' });
    const b = await h.announced(e.url, { namespace: 'b' });
    a.registerFunction('same::id');
    b.registerFunction('same::id');
    a.serve('same::id', () => 'A');
    b.serve('same::id', () => 'B');
    await a.sync();
    await b.sync();
    await b.expectNoFrame((f) => f.type === 'registrationrejected', 100);
    expect(await a.call('same::id', {}, { namespace: 'b' })).toBe('B');
    expect(await b.call('same::id', {}, { namespace: 'a' })).toBe('A');
  });

  it('rejects an engine:: id outside default with owner_worker_id ""', async () => {
    const e = await h.engine();
    const w = await h.announced(e.url, { namespace: 'orders' });
    w.registerFunction('engine::mine');
    const rej = await w.nextType('registrationrejected');
    expect(rej).toEqual({
      type: 'registrationrejected',
      code: 'FUNCTION_NAMESPACE_CONFLICT',
      namespace: 'orders',
      function_id: 'engine::mine',
      owner_worker_id: '',
    });
    const f = await w.callFrame('engine::mine', {}, { namespace: 'orders' });
    expect(f.error?.code).toBe('function_not_found');
  });

  it('accepts a worker-registered engine:: id in default (§8 item 17)', async () => {
    const e = await h.engine();
    const w = await h.announced(e.url);
    w.registerFunction('engine::custom');
    w.serve('engine::custom', () => 'mine');
    await w.sync();
    await w.expectNoFrame((f) => f.type === 'registrationrejected', 100);
    const caller = await h.announced(e.url);
    expect(await caller.call('engine::custom', {})).toBe('mine');
  });

  it('unregisters a function at its owner request, without reply', async () => {
    const e = await h.engine();
    const w = await h.announced(e.url);
    w.registerFunction('unreg::fn');
    await w.sync();
    w.unregisterFunction('unreg::fn');
    await w.expectNoFrame(() => true, 150);
    const f = await w.callFrame('unreg::fn', {});
    expect(f.error?.code).toBe('function_not_found');
  });

  it('ignores an unregisterfunction from a connection that does not own the id', async () => {
    const e = await h.engine();
    const owner = await h.announced(e.url);
    owner.registerFunction('mine::fn');
    owner.serve('mine::fn', () => 'still');
    await owner.sync();
    const other = await h.announced(e.url);
    other.unregisterFunction('mine::fn');
    await other.sync();
    await other.expectNoFrame(() => true, 100);
    expect(await other.call('mine::fn', {})).toBe('still');
  });

  it('stores description, formats and metadata for introspection', async () => {
    const e = await h.engine();
    const w = await h.announced(e.url, { name: 'intro' });
    w.registerFunction('intro::fn', {
      description: 'Add two numbers',
      request_format: { type: 'object' },
      response_format: { type: 'number' },
      metadata: { public: true },
    });
    await w.sync();
    const d = await w.call('engine::functions::info', { function_id: 'intro::fn' });
    expect(d).toMatchObject({
      function_id: 'intro::fn',
      namespace: 'default',
      worker_name: 'intro',
      description: 'Add two numbers',
      request_schema: { type: 'object' },
      response_schema: { type: 'number' },
      metadata: { public: true },
      registered_triggers: [],
    });
  });

  it('lists an HTTP-invoked registration', async () => {
    const e = await h.engine();
    const w = await h.announced(e.url, { name: 'httpfn' });
    w.registerFunction('external::lambda', {
      invocation: { url: 'http://127.0.0.1:9/lambda', method: 'POST', timeout_ms: 1000 },
    });
    await w.sync();
    await w.expectNoFrame(() => true, 100);
    expect(await w.functionIds({ prefix: 'external::' })).toEqual(['external::lambda']);
  });

  it('shares one lease map between HTTP-invoked and regular registrations', async () => {
    const e = await h.engine();
    const a = await h.announced(e.url);
    a.registerFunction('mixed::fn', { invocation: { url: 'http://127.0.0.1:9/x' } });
    await a.sync();
    const b = await h.announced(e.url);
    b.registerFunction('mixed::fn');
    const rej = await b.nextType('registrationrejected');
    expect(rej.code).toBe('FUNCTION_NAMESPACE_CONFLICT');
    expect(rej.owner_worker_id).toBe(a.workerId);
  });

  it('stores registerservice without reply', async () => {
    const e = await h.engine();
    const w = await h.announced(e.url);
    w.send({ type: 'registerservice', id: 'orders', name: 'Orders', description: 'Order service' });
    await w.expectNoFrame(() => true, 150);
    await w.sync();
  });
});
