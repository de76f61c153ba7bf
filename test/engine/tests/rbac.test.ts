// §1.3 authentication, §3.15 RBAC evaluation, middleware and registration hooks.
import { describe, expect, it } from 'vitest';
import type { RbacConfig } from '../index';
import { useHarness } from './harness';
import { openChannel, sleep, UUID_RE, type Frame, type RawWorker } from './raw-client';

const h = useHarness();

type AuthAnswer = Frame | null | ((input: Frame, inv: Frame) => unknown);

interface Setup {
  trusted: RawWorker;
  /** Invocations of the auth function seen by the trusted worker. */
  authCalls: Frame[];
  rbacUrl: string;
  trustedUrl: string;
}

/**
 * Engine with a trusted listener (no rbac) and an RBAC listener whose auth function
 * `test::auth` is served by a trusted worker; extra functions can be served the same way.
 */
async function setup(rbac: Partial<RbacConfig>, auth: AuthAnswer, opts: { middleware?: string; serve?: Record<string, (d: Frame, inv: Frame) => unknown> } = {}): Promise<Setup> {
  const e = await h.engine({
    listeners: [{ port: 0 }, { port: 0, rbac: { auth_function_id: 'test::auth', ...rbac }, ...(opts.middleware ? { middleware_function_id: opts.middleware } : {}) }],
  });
  const trustedUrl = e.listeners[0]!.url;
  const trusted = await h.announced(trustedUrl, { name: 'trusted' });
  trusted.registerFunction('test::auth');
  const { calls } = trusted.serve('test::auth', (d, inv) => (typeof auth === 'function' ? auth(d, inv) : auth));
  for (const [id, fn] of Object.entries(opts.serve ?? {})) {
    trusted.registerFunction(id);
    trusted.serve(id, fn);
  }
  await trusted.sync();
  return { trusted, authCalls: calls, rbacUrl: e.listeners[1]!.url, trustedUrl };
}

/** Register `id` (optionally with metadata/namespace) on a trusted worker, answering `{id}`. */
async function trustedFn(s: Setup, id: string, extra: { metadata?: Frame; namespace?: string } = {}): Promise<RawWorker> {
  let w = s.trusted;
  if (extra.namespace) w = await h.announced(s.trustedUrl, { namespace: extra.namespace });
  w.registerFunction(id, extra.metadata ? { metadata: extra.metadata } : {});
  w.serve(id, () => ({ served: id }));
  await w.sync();
  return w;
}

const forbiddenExpose = (id: string) => ({ code: 'FORBIDDEN', message: `function '${id}' not allowed (add to rbac.expose_functions)` });

describe('authentication (§1.3)', () => {
  it('passes lower-cased headers, raw query params and the peer ip to the auth function', async () => {
    const s = await setup({}, {});
    const w = await h.raw(s.rbacUrl, { headers: { 'X-Test-Token': 'valid-token' }, query: 'token=a%20b&token=c&flag&=skip&x=1=2' });
    await w.hello();
    expect(s.authCalls).toHaveLength(1);
    const input = s.authCalls[0]!.data as Frame;
    expect(input.headers['x-test-token']).toBe('valid-token');
    expect(input.headers).not.toHaveProperty('X-Test-Token');
    expect(input.headers.host).toContain('127.0.0.1');
    expect(typeof input.headers['sec-websocket-key']).toBe('string');
    expect(input.query_params).toEqual({ token: ['a%20b', 'c'], flag: [''], x: ['1=2'] });
    expect(input.ip_address).toBe('127.0.0.1');
  });

  it('drops header values that are not visible ASCII and keeps one value per name (last wins)', async () => {
    const s = await setup({}, {});
    const headers = { 'X-Latin': 'caf\u00e9', 'X-Dup': ['first', 'second'], 'X-Plain': 'ok' } as unknown as Record<string, string>;
    await h.worker(s.rbacUrl, { headers });
    const input = s.authCalls[0]!.data as Frame;
    expect(input.headers).not.toHaveProperty('x-latin');
    expect(input.headers['x-dup']).toBe('second');
    expect(input.headers['x-plain']).toBe('ok');
  });

  it('does not inject _caller_worker_id into the auth input (§8 item 26)', async () => {
    const s = await setup({}, {});
    await h.worker(s.rbacUrl);
    expect(s.authCalls[0]!.data).not.toHaveProperty('_caller_worker_id');
    expect(s.authCalls[0]!.invocation_id).toMatch(UUID_RE);
  });

  it('sends workerregistered only after the auth function answered', async () => {
    const s = await setup({}, async () => {
      await sleep(300);
      return {};
    });
    const w = await h.raw(s.rbacUrl);
    await w.expectNoFrame(() => true, 200);
    const f = await w.next(() => true, 2000);
    expect(f.type).toBe('workerregistered');
  });

  it('calls the auth function once per connection', async () => {
    const s = await setup({}, {});
    await h.worker(s.rbacUrl);
    await h.worker(s.rbacUrl);
    expect(s.authCalls).toHaveLength(2);
  });

  it('does not call the auth function for connections on a listener without rbac', async () => {
    const s = await setup({}, {});
    await h.worker(s.trustedUrl);
    expect(s.authCalls).toHaveLength(0);
  });

  it('sends an AUTH_ERROR frame with the auth error message, then Close 1005, when the auth function fails', async () => {
    const s = await setup({}, () => ({ error: { code: 'denied', message: 'invalid token' } }));
    const w = await h.raw(s.rbacUrl);
    const f = await w.next(() => true);
    expect(f).toEqual({ type: 'error', error: { code: 'AUTH_ERROR', message: 'invalid token' } });
    const c = await w.waitClose();
    expect(c.code).toBe(1005);
    expect(w.received.some((m) => m.json?.type === 'workerregistered')).toBe(false);
  });

  it('fails auth with "auth function returned no result" when it returns null', async () => {
    const s = await setup({}, null);
    const w = await h.raw(s.rbacUrl);
    const f = await w.next(() => true);
    expect(f).toEqual({ type: 'error', error: { code: 'AUTH_ERROR', message: 'auth function returned no result' } });
    expect((await w.waitClose()).code).toBe(1005);
  });

  it('fails auth when the auth function is not registered', async () => {
    const e = await h.engine({ listeners: [{ port: 0, rbac: { auth_function_id: 'missing::auth' } }] });
    const w = await h.raw(e.url);
    const f = await w.next(() => true);
    expect(f.type).toBe('error');
    expect(f.error.code).toBe('AUTH_ERROR');
    expect((await w.waitClose()).code).toBe(1005);
  });

  it('fails auth when the result does not decode as an AuthResult', async () => {
    const s = await setup({}, { namespaces: 5 });
    const w = await h.raw(s.rbacUrl);
    const f = await w.next(() => true);
    expect(f.type).toBe('error');
    expect(f.error.code).toBe('AUTH_ERROR');
    expect(typeof f.error.message).toBe('string');
    expect((await w.waitClose()).code).toBe(1005);
  });

  it('fails auth with Invocation stopped when the auth function owner disconnects mid-call', async () => {
    const s = await setup({}, () => new Promise(() => undefined)); // never answers
    const w = await h.raw(s.rbacUrl);
    for (let i = 0; i < 40 && s.authCalls.length === 0; i++) await sleep(25);
    expect(s.authCalls).toHaveLength(1);
    s.trusted.terminate();
    const f = await w.next(() => true);
    expect(f).toEqual({ type: 'error', error: { code: 'AUTH_ERROR', message: 'Invocation stopped' } });
    expect((await w.waitClose()).code).toBe(1005);
  });

  it('waits for a slow auth function without any engine timeout', async () => {
    const s = await setup({}, async () => {
      await sleep(1200);
      return {};
    });
    const w = await h.raw(s.rbacUrl);
    const f = await w.next(() => true, 2500);
    expect(f.type).toBe('workerregistered');
  });

  it('ignores unknown keys in the AuthResult', async () => {
    const s = await setup({}, { something_else: 1 });
    const w = await h.worker(s.rbacUrl);
    expect(w.workerId).toMatch(UUID_RE);
  });

  it('runs the same auth on /otel', async () => {
    const s = await setup({}, {});
    await h.socket(s.rbacUrl, { path: '/otel' });
    for (let i = 0; i < 40 && s.authCalls.length === 0; i++) await sleep(25);
    expect(s.authCalls).toHaveLength(1);
  });

  it('does not authenticate the channel endpoint', async () => {
    const s = await setup({}, {});
    const ch = await s.trusted.call('engine::channels::create', {});
    const reader = h.track(await openChannel(s.rbacUrl, ch.reader, 'read'));
    const writer = h.track(await openChannel(s.rbacUrl, ch.writer, 'write'));
    writer.send('hello');
    const m = await reader.nextMsg();
    expect(m.text).toBe('hello');
    expect(s.authCalls).toHaveLength(0);
  });
});

describe('RBAC decisions (§3.15)', () => {
  it('answers FORBIDDEN (add to rbac.expose_functions) for a function that is not exposed', async () => {
    const s = await setup({}, {});
    await trustedFn(s, 'test::ew::private');
    const w = await h.worker(s.rbacUrl);
    const f = await w.callFrame('test::ew::private', {});
    expect(f).toEqual({ type: 'invocationresult', invocation_id: f.invocation_id, function_id: 'test::ew::private', error: forbiddenExpose('test::ew::private') });
  });

  it('answers FORBIDDEN rather than function_not_found for a non-existent id', async () => {
    const s = await setup({}, {});
    const w = await h.worker(s.rbacUrl);
    const f = await w.callFrame('nothing::here', {});
    expect(f.error).toEqual(forbiddenExpose('nothing::here'));
  });

  it('answers a denied call without invocation_id using a fresh id', async () => {
    const s = await setup({}, {});
    const w = await h.worker(s.rbacUrl);
    w.send({ type: 'invokefunction', function_id: 'test::denied', data: {} });
    const f = await w.nextType('invocationresult');
    expect(f.invocation_id).toMatch(UUID_RE);
    expect(f.error.code).toBe('FORBIDDEN');
  });

  it('answers a denied void invoke too', async () => {
    const s = await setup({}, {});
    const w = await h.worker(s.rbacUrl);
    w.invokeVoid('test::denied', {});
    const f = await w.nextType('invocationresult');
    expect(f.error).toEqual(forbiddenExpose('test::denied'));
  });

  it('answers FORBIDDEN (remove from rbac.forbidden_functions) for an explicitly forbidden id, beating exposure', async () => {
    const s = await setup({ expose_functions: ['match("test::*")'] }, { forbidden_functions: ['test::ew::echo'] });
    await trustedFn(s, 'test::ew::echo');
    const w = await h.worker(s.rbacUrl);
    const f = await w.callFrame('test::ew::echo', {});
    expect(f.error).toEqual({ code: 'FORBIDDEN', message: "function 'test::ew::echo' not allowed (remove from rbac.forbidden_functions)" });
  });

  it('lets forbidden_functions beat infrastructure ids', async () => {
    const s = await setup({}, { forbidden_functions: ['engine::log::info'] });
    const w = await h.worker(s.rbacUrl);
    const f = await w.callFrame('engine::log::info', { message: 'x' });
    expect(f.error?.code).toBe('FORBIDDEN');
    expect(f.error?.message).toContain('remove from rbac.forbidden_functions');
  });

  it('lets forbidden_functions beat namespace grants in every namespace', async () => {
    const s = await setup({}, { namespaces: { orders: ['svc::*'] }, forbidden_functions: ['svc::x'] });
    await trustedFn(s, 'svc::x', { namespace: 'orders' });
    const w = await h.worker(s.rbacUrl);
    const f = await w.callFrame('svc::x', {}, { namespace: 'orders' });
    expect(f.error?.code).toBe('FORBIDDEN');
  });

  it('allows allowed_functions in default only', async () => {
    const s = await setup({}, { allowed_functions: ['svc::a'] });
    await trustedFn(s, 'svc::a');
    await trustedFn(s, 'svc::a', { namespace: 'orders' });
    const w = await h.worker(s.rbacUrl);
    expect(await w.call('svc::a', {})).toEqual({ served: 'svc::a' });
    const f = await w.callFrame('svc::a', {}, { namespace: 'orders' });
    expect(f.error?.code).toBe('FORBIDDEN');
  });

  it('allows namespace grants: exact, bare wildcard and match("…"), in that namespace only', async () => {
    const s = await setup({}, { namespaces: { orders: ['svc::*', 'match("other::*")', 'exact::id'] } });
    const o = await trustedFn(s, 'svc::x', { namespace: 'orders' });
    for (const id of ['other::y', 'exact::id', 'exact::idx']) {
      o.registerFunction(id);
      o.serve(id, () => ({ served: id }));
    }
    await o.sync();
    await trustedFn(s, 'svc::x');
    const w = await h.worker(s.rbacUrl);
    expect(await w.call('svc::x', {}, { namespace: 'orders' })).toEqual({ served: 'svc::x' });
    expect(await w.call('other::y', {}, { namespace: 'orders' })).toEqual({ served: 'other::y' });
    expect(await w.call('exact::id', {}, { namespace: 'orders' })).toEqual({ served: 'exact::id' });
    expect((await w.callFrame('exact::idx', {}, { namespace: 'orders' })).error?.code).toBe('FORBIDDEN');
    expect((await w.callFrame('svc::x', {})).error?.code).toBe('FORBIDDEN');
  });

  it('restricts a namespace-scoped session to declaring its granted namespaces', async () => {
    const s = await setup({}, { namespaces: { orders: ['svc::*'] } });
    const w = await h.worker(s.rbacUrl);
    const bad = await w.callFrame('engine::workers::register', { name: 'scoped', pid: 1, namespace: 'billing' });
    expect(bad.error?.code).toBe('FORBIDDEN');
    const w2 = await h.worker(s.rbacUrl);
    expect(await w2.call('engine::workers::register', { name: 'scoped2', pid: 1, namespace: 'orders' })).toEqual({ success: true });
  });

  it('allows the infrastructure ids without exposure', async () => {
    const s = await setup({}, {});
    const w = await h.worker(s.rbacUrl);
    expect(await w.announce({ name: 'infra' })).toEqual({ success: true });
    const ch = await w.call('engine::channels::create', {});
    expect(ch.reader.direction).toBe('read');
    for (const level of ['info', 'warn', 'error', 'debug', 'trace']) {
      const f = await w.callFrame(`engine::log::${level}`, { message: 'm' });
      expect(f.error).toBeUndefined();
    }
    expect(await w.call('engine::baggage::get', { key: 'k' })).toEqual({ value: null });
    expect((await w.callFrame('engine::baggage::set', { key: 'k', value: 'v' })).error).toBeUndefined();
    expect((await w.callFrame('engine::baggage::get_all', {})).error).toBeUndefined();
  });

  it('does not treat discovery builtins as infrastructure', async () => {
    const s = await setup({}, {});
    const w = await h.worker(s.rbacUrl);
    for (const id of ['engine::functions::list', 'engine::workers::list', 'engine::triggers::list']) {
      const f = await w.callFrame(id, {});
      expect(f.error).toEqual(forbiddenExpose(id));
    }
  });

  it('allows everything on a listener without rbac', async () => {
    const s = await setup({}, {});
    await trustedFn(s, 'open::fn');
    const w = await h.worker(s.trustedUrl);
    expect(await w.call('open::fn', {})).toEqual({ served: 'open::fn' });
  });
});

describe('expose_functions (§3.15)', () => {
  it('exposes by the string form match("…") with either quote style', async () => {
    const s = await setup({ expose_functions: ['match("pub::*")', "match('alt::*')"] }, {});
    await trustedFn(s, 'pub::a');
    await trustedFn(s, 'alt::b');
    await trustedFn(s, 'pubx::c');
    const w = await h.worker(s.rbacUrl);
    expect(await w.call('pub::a', {})).toEqual({ served: 'pub::a' });
    expect(await w.call('alt::b', {})).toEqual({ served: 'alt::b' });
    expect((await w.callFrame('pubx::c', {})).error?.code).toBe('FORBIDDEN');
  });

  it('matches * across :: and the empty string, anchored at both ends', async () => {
    const s = await setup({ expose_functions: ['match("a*z")'] }, {});
    for (const id of ['az', 'a::b::z', 'a::zz', 'xa::z']) await trustedFn(s, id);
    const w = await h.worker(s.rbacUrl);
    expect(await w.call('az', {})).toEqual({ served: 'az' });
    expect(await w.call('a::b::z', {})).toEqual({ served: 'a::b::z' });
    expect((await w.callFrame('xa::z', {})).error?.code).toBe('FORBIDDEN');
  });

  it('exposes by the map form {match} in default only when no namespace is given', async () => {
    const s = await setup({ expose_functions: [{ match: 'orders::*' }] }, {});
    await trustedFn(s, 'orders::get');
    await trustedFn(s, 'orders::get', { namespace: 'orders' });
    const w = await h.worker(s.rbacUrl);
    expect(await w.call('orders::get', {})).toEqual({ served: 'orders::get' });
    expect((await w.callFrame('orders::get', {}, { namespace: 'orders' })).error?.code).toBe('FORBIDDEN');
  });

  it('exposes by the map form {match, namespace} in that namespace only', async () => {
    const s = await setup({ expose_functions: [{ match: 'orders::*', namespace: 'orders' }] }, {});
    await trustedFn(s, 'orders::get');
    await trustedFn(s, 'orders::get', { namespace: 'orders' });
    const w = await h.worker(s.rbacUrl);
    expect(await w.call('orders::get', {}, { namespace: 'orders' })).toEqual({ served: 'orders::get' });
    expect((await w.callFrame('orders::get', {})).error?.code).toBe('FORBIDDEN');
  });

  it('exposes by metadata equality against the registered function', async () => {
    const s = await setup({ expose_functions: [{ metadata: { ew_public: true } }] }, {});
    await trustedFn(s, 'meta::yes', { metadata: { ew_public: true, other: 1 } });
    await trustedFn(s, 'meta::no', { metadata: { ew_public: 'true' } });
    const w = await h.worker(s.rbacUrl);
    expect(await w.call('meta::yes', {})).toEqual({ served: 'meta::yes' });
    expect((await w.callFrame('meta::no', {})).error?.code).toBe('FORBIDDEN');
    expect((await w.callFrame('meta::missing', {})).error?.code).toBe('FORBIDDEN');
  });

  it('exposes by a metadata match("glob") on string values only, requiring all keys', async () => {
    const s = await setup({ expose_functions: [{ metadata: { ew_public: true, tier: 'match("pro*")' } }] }, {});
    await trustedFn(s, 'tier::pro', { metadata: { ew_public: true, tier: 'pro-plus' } });
    await trustedFn(s, 'tier::basic', { metadata: { ew_public: true, tier: 'basic' } });
    await trustedFn(s, 'tier::partial', { metadata: { tier: 'pro' } });
    const w = await h.worker(s.rbacUrl);
    expect(await w.call('tier::pro', {})).toEqual({ served: 'tier::pro' });
    expect((await w.callFrame('tier::basic', {})).error?.code).toBe('FORBIDDEN');
    expect((await w.callFrame('tier::partial', {})).error?.code).toBe('FORBIDDEN');
  });

  it('filters engine::functions::list rows by the session', async () => {
    const s = await setup({ expose_functions: ['match("test::ew::public::*")', 'match("engine::functions::list")'] }, {});
    await trustedFn(s, 'test::ew::public::a');
    await trustedFn(s, 'test::ew::private');
    const w = await h.worker(s.rbacUrl);
    const r = await w.call('engine::functions::list', { prefix: 'test::' });
    expect((r.functions as Frame[]).map((x) => x.function_id)).toEqual(['test::ew::public::a']);
  });

  it('marks functions the session may not see as forbidden in a batch engine::functions::info', async () => {
    const s = await setup({ expose_functions: ['match("engine::functions::info")', 'match("vis::*")'] }, {});
    await trustedFn(s, 'vis::a');
    await trustedFn(s, 'hid::b');
    const w = await h.worker(s.rbacUrl);
    const r = await w.call('engine::functions::info', { function_ids: ['vis::a', 'hid::b', 'vis::missing'] });
    expect(r.functions[0]).toMatchObject({ function_id: 'vis::a', namespace: 'default' });
    expect(r.functions[1]).toEqual({ function_id: 'hid::b', error: 'forbidden' });
    expect(r.functions[2]).toEqual({ function_id: 'vis::missing', error: 'not_found' });
  });

  it('answers FORBIDDEN from engine::functions::info for a function the session may not see', async () => {
    const s = await setup({ expose_functions: ['match("engine::functions::info")'] }, {});
    await trustedFn(s, 'hidden::fn');
    const w = await h.worker(s.rbacUrl);
    const f = await w.callFrame('engine::functions::info', { function_id: 'hidden::fn' });
    expect(f.error?.code).toBe('FORBIDDEN');
  });
});

describe('middleware (§3.15)', () => {
  it('calls the middleware with {function_id, payload, action, context, namespace} and the caller metadata, and replies with its result', async () => {
    const seen: Frame[] = [];
    const s = await setup({ expose_functions: ['match("test::*")'] }, { context: { role: 'admin' } }, {
      middleware: 'test::mw',
      serve: {
        'test::mw': (d, inv) => {
          seen.push(inv);
          return { via: 'middleware', got: d.payload };
        },
      },
    });
    await trustedFn(s, 'test::echo');
    const w = await h.worker(s.rbacUrl);
    const f = await w.callFrame('test::echo', { msg: 'hello' }, { metadata: { m: 1 } });
    expect(f.result).toEqual({ via: 'middleware', got: { msg: 'hello' } });
    expect(f.function_id).toBe('test::echo');
    expect(seen[0]!.data).toEqual({ function_id: 'test::echo', payload: { msg: 'hello' }, action: null, context: { role: 'admin' }, namespace: 'default' });
    expect(seen[0]!.metadata).toEqual({ m: 1 });
  });

  it('replies with the middleware error', async () => {
    const s = await setup({ expose_functions: ['match("test::*")'] }, {}, {
      middleware: 'test::mw',
      serve: { 'test::mw': () => ({ error: { code: 'mw_denied', message: 'no way' } }) },
    });
    const w = await h.worker(s.rbacUrl);
    const f = await w.callFrame('test::target', {});
    expect(f.error).toEqual({ code: 'mw_denied', message: 'no way' });
  });

  it('does not route engine-owned builtins through the middleware', async () => {
    const seen: Frame[] = [];
    const s = await setup({}, {}, { middleware: 'test::mw', serve: { 'test::mw': (d) => (seen.push(d), 'mw') } });
    const w = await h.worker(s.rbacUrl);
    const ch = await w.call('engine::channels::create', {});
    expect(ch.writer.direction).toBe('write');
    expect(seen).toHaveLength(0);
  });

  it('routes a worker-registered engine:: function through the middleware', async () => {
    const seen: Frame[] = [];
    const s = await setup({ expose_functions: ['match("engine::custom")'] }, {}, { middleware: 'test::mw', serve: { 'test::mw': (d) => (seen.push(d), 'mw') } });
    await trustedFn(s, 'engine::custom');
    const w = await h.worker(s.rbacUrl);
    expect(await w.call('engine::custom', {})).toBe('mw');
    expect(seen[0]!.function_id).toBe('engine::custom');
  });

  it('answers a void invoke with the middleware outcome, using a random id', async () => {
    const s = await setup({ expose_functions: ['match("test::*")'] }, {}, { middleware: 'test::mw', serve: { 'test::mw': (d) => ({ action: d.action }) } });
    const w = await h.worker(s.rbacUrl);
    w.invokeVoid('test::v', { a: 1 });
    const f = await w.nextType('invocationresult');
    expect(f.invocation_id).toMatch(UUID_RE);
    expect(f.result).toEqual({ action: { type: 'void' } });
  });

  it('calls the middleware in the namespace of the invoke', async () => {
    const e = await h.engine({ listeners: [{ port: 0 }, { port: 0, middleware_function_id: 'test::mw' }] });
    const inOrders = await h.announced(e.listeners[0]!.url, { name: 'mw-orders', namespace: 'orders' });
    inOrders.registerFunction('test::mw');
    inOrders.serve('test::mw', (d) => ({ ns: d.namespace, where: 'orders' }));
    await inOrders.sync();
    const w = await h.worker(e.listeners[1]!.url);
    expect(await w.call('svc::x', {}, { namespace: 'orders' })).toEqual({ ns: 'orders', where: 'orders' });
    const f = await w.callFrame('svc::x', {});
    expect(f.error?.code).toBe('function_not_found');
  });

  it('applies middleware on a listener without rbac', async () => {
    const e = await h.engine({ listeners: [{ port: 0 }, { port: 0, middleware_function_id: 'test::mw' }] });
    const trusted = await h.announced(e.listeners[0]!.url, { name: 'mwhost' });
    trusted.registerFunction('test::mw');
    trusted.serve('test::mw', (d) => ({ wrapped: d.function_id, ctx: d.context }));
    await trusted.sync();
    const w = await h.worker(e.listeners[1]!.url);
    expect(await w.call('any::fn', {})).toEqual({ wrapped: 'any::fn', ctx: {} });
  });

  it('passes the payload without _caller_worker_id to the middleware', async () => {
    const seen: Frame[] = [];
    const s = await setup({ expose_functions: ['match("test::*")'] }, {}, { middleware: 'test::mw', serve: { 'test::mw': (d) => (seen.push(d), null) } });
    const w = await h.worker(s.rbacUrl);
    await w.callFrame('test::p', { k: 1 });
    expect(seen[0]!.payload).toEqual({ k: 1 });
  });
});

describe('registration hooks (§3.15)', () => {
  it('calls on_function_registration with {function_id, description, metadata, namespace, context}', async () => {
    const seen: Frame[] = [];
    const s = await setup({ on_function_registration_function_id: 'test::hook-fn', expose_functions: ['match("*")'] }, { context: { user: 'u1' } }, {
      serve: { 'test::hook-fn': (d) => (seen.push(d), {}) },
    });
    const w = await h.announced(s.rbacUrl, { name: 'hooked' });
    w.registerFunction('hooked::fn', { description: 'desc', metadata: { a: 1 } });
    await w.sync();
    expect(seen).toEqual([{ function_id: 'hooked::fn', description: 'desc', metadata: { a: 1 }, namespace: 'default', context: { user: 'u1' } }]);
    expect(await s.trusted.functionIds({ prefix: 'hooked::' })).toEqual(['hooked::fn']);
  });

  it('lets on_function_registration rewrite function_id, description and metadata', async () => {
    const s = await setup({ on_function_registration_function_id: 'test::hook-fn', expose_functions: ['match("*")'] }, {}, {
      serve: { 'test::hook-fn': () => ({ function_id: 'renamed::fn', description: 'new', metadata: { b: 2 } }) },
    });
    const w = await h.announced(s.rbacUrl, { name: 'renamer' });
    w.registerFunction('orig::fn', { description: 'old' });
    await w.sync();
    const rows = await s.trusted.functionRows({ prefix: 're' });
    expect(rows).toEqual([{ function_id: 'renamed::fn', namespace: 'default', worker_name: 'renamer', description: 'new', metadata: { b: 2 } }]);
  });

  it('silently denies a function registration when the hook returns null, fails or returns a non-object', async () => {
    for (const answer of [null, { error: { code: 'x', message: 'no' } }, 'yes']) {
      const s = await setup({ on_function_registration_function_id: 'test::hook-fn', expose_functions: ['match("*")'] }, {}, {
        serve: { 'test::hook-fn': () => answer },
      });
      const w = await h.announced(s.rbacUrl, { name: `denied-${typeof answer}` });
      w.registerFunction('denied::fn');
      await w.sync();
      await w.expectNoFrame(() => true, 50);
      expect(await s.trusted.functionIds({ prefix: 'denied::' })).toEqual([]);
    }
  });

  it('calls on_trigger_registration with its input and lets it rewrite the config', async () => {
    const seen: Frame[] = [];
    const s = await setup({ on_trigger_registration_function_id: 'test::hook-trig', expose_functions: ['match("*")'] }, { context: { c: 1 } }, {
      serve: { 'test::hook-trig': (d) => (seen.push(d), { config: { rewritten: true } }) },
    });
    const provider = await h.announced(s.trustedUrl, { name: 'tprov' });
    provider.registerTriggerType('hooktype');
    await provider.sync();
    const w = await h.announced(s.rbacUrl, { name: 'tclient' });
    w.registerTrigger('ht-1', 'hooktype', 'some::fn', { orig: true }, { metadata: { md: 1 } });
    const f = await provider.next((x) => x.type === 'registertrigger' && x.id === 'ht-1');
    expect(f.config).toEqual({ rewritten: true });
    expect(seen[0]).toEqual({ trigger_id: 'ht-1', trigger_type: 'hooktype', function_id: 'some::fn', config: { orig: true }, metadata: { md: 1 }, namespace: 'default', context: { c: 1 } });
  });

  it('lets on_trigger_registration rewrite trigger_id, trigger_type and function_id', async () => {
    const s = await setup({ on_trigger_registration_function_id: 'test::hook-trig', expose_functions: ['match("*")'] }, {}, {
      serve: { 'test::hook-trig': () => ({ trigger_id: 'renamed-binding', trigger_type: 'real-type', function_id: 'real::fn' }) },
    });
    const provider = await h.announced(s.trustedUrl, { name: 'tprov3' });
    provider.registerTriggerType('real-type');
    await provider.sync();
    const w = await h.announced(s.rbacUrl, { name: 'tclient3' });
    w.registerTrigger('asked-id', 'asked-type', 'asked::fn', { a: 1 });
    const f = await provider.next((x) => x.type === 'registertrigger');
    expect(f).toMatchObject({ id: 'renamed-binding', trigger_type: 'real-type', function_id: 'real::fn', config: { a: 1 } });
  });

  it('silently denies a trigger registration when on_trigger_registration returns null', async () => {
    const s = await setup({ on_trigger_registration_function_id: 'test::hook-trig', expose_functions: ['match("*")'] }, {}, {
      serve: { 'test::hook-trig': () => null },
    });
    const provider = await h.announced(s.trustedUrl, { name: 'tprov2' });
    provider.registerTriggerType('hooktype2');
    await provider.sync();
    const w = await h.announced(s.rbacUrl, { name: 'tclient2' });
    w.registerTrigger('ht-2', 'hooktype2', 'some::fn', {});
    await w.sync();
    await provider.expectNoFrame((x) => x.type === 'registertrigger', 200);
    await w.expectNoFrame(() => true, 10);
  });

  it('calls on_trigger_type_registration and lets it rename the type', async () => {
    const seen: Frame[] = [];
    const s = await setup({ on_trigger_type_registration_function_id: 'test::hook-tt' }, { allow_trigger_type_registration: true, context: { z: 1 } }, {
      serve: { 'test::hook-tt': (d) => (seen.push(d), { trigger_type_id: 'renamed-type' }) },
    });
    const w = await h.announced(s.rbacUrl, { name: 'ttw' });
    w.registerTriggerType('orig-type', { description: 'D' });
    await w.sync();
    expect(seen[0]).toEqual({ trigger_type_id: 'orig-type', description: 'D', context: { z: 1 } });
    const list = ((await s.trusted.call('engine::triggers::list', {})).triggers as Frame[]).map((t) => t.id);
    expect(list).toContain('renamed-type');
    expect(list).not.toContain('orig-type');
  });

  it('silently denies a trigger type registration when on_trigger_type_registration fails', async () => {
    const s = await setup({ on_trigger_type_registration_function_id: 'test::hook-tt' }, { allow_trigger_type_registration: true }, {
      serve: { 'test::hook-tt': () => ({ error: { code: 'no', message: 'no' } }) },
    });
    const w = await h.announced(s.rbacUrl, { name: 'ttw2' });
    w.registerTriggerType('denied-type');
    await w.sync();
    const list = ((await s.trusted.call('engine::triggers::list', {})).triggers as Frame[]).map((t) => t.id);
    expect(list).not.toContain('denied-type');
  });

  it('calls hooks in namespace default without _caller_worker_id', async () => {
    const seen: Frame[] = [];
    const s = await setup({ on_function_registration_function_id: 'test::hook-fn', expose_functions: ['match("*")'] }, {}, {
      serve: { 'test::hook-fn': (d) => (seen.push(d), {}) },
    });
    const w = await h.announced(s.rbacUrl, { name: 'nsw' });
    w.registerFunction('x::fn');
    await w.sync();
    expect(seen[0]).not.toHaveProperty('_caller_worker_id');
  });
});

describe('session flags (§1.3)', () => {
  it('ignores registerfunction when allow_function_registration is false', async () => {
    const s = await setup({ expose_functions: ['match("*")'] }, { allow_function_registration: false });
    const w = await h.announced(s.rbacUrl, { name: 'noreg' });
    w.registerFunction('noreg::fn');
    await w.sync();
    await w.expectNoFrame(() => true, 50);
    expect(await s.trusted.functionIds({ prefix: 'noreg::' })).toEqual([]);
  });

  it('ignores registertriggertype on an RBAC listener by default (allow_trigger_type_registration false)', async () => {
    const s = await setup({}, {});
    const w = await h.announced(s.rbacUrl, { name: 'nott' });
    w.registerTriggerType('rbac-type');
    await w.sync();
    const list = ((await s.trusted.call('engine::triggers::list', {})).triggers as Frame[]).map((t) => t.id);
    expect(list).not.toContain('rbac-type');
  });

  it('accepts registertriggertype when allow_trigger_type_registration is true', async () => {
    const s = await setup({}, { allow_trigger_type_registration: true });
    const w = await h.announced(s.rbacUrl, { name: 'yestt' });
    w.registerTriggerType('rbac-type2');
    await w.sync();
    const list = ((await s.trusted.call('engine::triggers::list', {})).triggers as Frame[]).map((t) => t.id);
    expect(list).toContain('rbac-type2');
  });

  it('silently ignores bindings to trigger types outside allowed_trigger_types', async () => {
    const s = await setup({ expose_functions: ['match("*")'] }, { allowed_trigger_types: ['ok-type'] });
    const provider = await h.announced(s.trustedUrl, { name: 'p' });
    provider.registerTriggerType('ok-type');
    provider.registerTriggerType('no-type');
    await provider.sync();
    const w = await h.announced(s.rbacUrl, { name: 'att' });
    w.registerTrigger('att-1', 'no-type', 'x::fn', {});
    w.registerTrigger('att-2', 'ok-type', 'x::fn', {});
    await provider.next((x) => x.type === 'registertrigger' && x.id === 'att-2');
    await provider.expectNoFrame((x) => x.type === 'registertrigger' && x.id === 'att-1', 100);
    await w.expectNoFrame(() => true, 10);
  });

  it('answers FORBIDDEN for a binding whose target the session may not reach, even its own function', async () => {
    const s = await setup({}, {});
    const w = await h.announced(s.rbacUrl, { name: 'own' });
    w.registerFunction('own::fn');
    w.registerTrigger('own-1', 'http', 'own::fn', { api_path: 'own' });
    const r = await w.nextType('triggerregistrationresult');
    expect(r).toEqual({
      type: 'triggerregistrationresult',
      id: 'own-1',
      trigger_type: 'http',
      function_id: 'own::fn',
      error: { code: 'FORBIDDEN', message: "function 'own::fn' not allowed in namespace 'default'" },
    });
  });
});

describe('function_registration_prefix (§1.3, §3.2)', () => {
  it('stores the function under <prefix>::<id>, strips the prefix on delivery and echoes the requested id', async () => {
    const s = await setup({ expose_functions: ['match("*")'] }, { function_registration_prefix: 'test-prefix' });
    const w = await h.announced(s.rbacUrl, { name: 'prefixed' });
    w.registerFunction('prefixed-echo');
    w.serve('prefixed-echo', (d) => ({ echo: d.v }));
    await w.sync();
    expect(await s.trusted.functionIds({ prefix: 'test-prefix::' })).toEqual(['test-prefix::prefixed-echo']);
    const f = await s.trusted.callFrame('test-prefix::prefixed-echo', { v: 1 });
    expect(f.function_id).toBe('test-prefix::prefixed-echo');
    expect(f.result).toEqual({ echo: 1 });
    const delivered = w.received.map((m) => m.json).find((x) => x?.type === 'invokefunction');
    expect(delivered?.function_id).toBe('prefixed-echo');
  });

  it('applies the prefix to unregisterfunction', async () => {
    const s = await setup({ expose_functions: ['match("*")'] }, { function_registration_prefix: 'pp' });
    const w = await h.announced(s.rbacUrl, { name: 'pref2' });
    w.registerFunction('gone');
    await w.sync();
    w.unregisterFunction('gone');
    await w.sync();
    expect(await s.trusted.functionIds({ prefix: 'pp::' })).toEqual([]);
  });

  it('applies the prefix to the function_id of a binding', async () => {
    const s = await setup({ expose_functions: ['match("*")'] }, { function_registration_prefix: 'pb' });
    const provider = await h.announced(s.trustedUrl, { name: 'pbprov' });
    provider.registerTriggerType('pbtype');
    await provider.sync();
    const w = await h.announced(s.rbacUrl, { name: 'pref3' });
    w.registerTrigger('pb-1', 'pbtype', 'handler', {});
    const f = await provider.next((x) => x.type === 'registertrigger' && x.id === 'pb-1');
    expect(f.function_id).toBe('pb::handler');
  });
});
