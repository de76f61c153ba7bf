/**
 * listFunctions / listTriggers against the reference engine: the formats of a function and the
 * metadata of a binding, which the list built-ins leave out, come from the info built-ins
 * (protocol.md §5), batched and bounded (issue 13: they were never filled).
 */
import * as v from 'valibot';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TriggerRequest } from '../../platform/node/index.js';
import { cleanup, engine, registered, within, worker } from './helpers.js';

afterEach(cleanup);

/** The engine calls a listing made: `trigger` spied on the client. */
function spyCalls(w: ReturnType<typeof worker>): TriggerRequest[] {
  const calls: TriggerRequest[] = [];
  const original = w.trigger.bind(w);
  vi.spyOn(w, 'trigger').mockImplementation(((request: TriggerRequest) => {
    calls.push(request);
    return original(request as never);
  }) as never);
  return calls;
}

describe('listFunctions', () => {
  it('fills request_format / response_format with one engine::functions::info call per 32 functions', async () => {
    const e = await engine();
    const w = worker(e.url);
    const schema = (n: number) => ({ type: 'object', properties: { n: { type: 'number', const: n } } });
    for (let i = 0; i < 40; i++) {
      w.registerFunction(`list::f${String(i).padStart(2, '0')}`, () => i, { request_format: schema(i), response_format: { type: 'number' } });
    }
    w.registerFunction('list::plain', () => null);
    w.registerFunction('list::valibot', (d) => d.a, { request_format: v.object({ a: v.string() }) });
    await within(w.ready(), 5000);
    const calls = spyCalls(w);
    const infos = await within(w.listFunctions({ prefix: 'list::' }), 5000, 'listFunctions');
    expect(infos).toHaveLength(42);
    const byId = new Map(infos.map((f) => [f.function_id, f]));
    for (let i = 0; i < 40; i++) {
      expect(byId.get(`list::f${String(i).padStart(2, '0')}`)).toMatchObject({ request_format: schema(i), response_format: { type: 'number' } });
    }
    expect(byId.get('list::valibot')?.request_format).toMatchObject({ type: 'object', properties: { a: { type: 'string' } }, required: ['a'] });
    expect(byId.get('list::plain')).not.toHaveProperty('request_format');
    const info = calls.filter((c) => c.function_id === 'engine::functions::info');
    expect(info).toHaveLength(2); // 42 functions in one namespace: 32 + 10
    for (const c of info) expect((c.payload as { function_ids: string[] }).function_ids.length).toBeLessThanOrEqual(32);
  });

  it('withFormats: false makes the one list call only', async () => {
    const e = await engine();
    const w = worker(e.url);
    w.registerFunction('quick::f', () => 1, { request_format: { type: 'object' } });
    await within(w.ready(), 5000);
    const calls = spyCalls(w);
    const [f] = await w.listFunctions({ prefix: 'quick::', withFormats: false });
    expect(f).toMatchObject({ function_id: 'quick::f' });
    expect(f).not.toHaveProperty('request_format');
    expect(calls.map((c) => c.function_id)).toEqual(['engine::functions::list']);
    expect(calls[0]!.payload).toEqual({ prefix: 'quick::' }); // the SDK's own option is not sent
  });

  it('the same id in two namespaces gets the formats of its own namespace', async () => {
    const e = await engine();
    const a = worker(e.url);
    const b = worker(e.url, { namespace: 'other' });
    a.registerFunction('dup::f', () => 1, { request_format: { title: 'default one' } });
    b.registerFunction('dup::f', () => 2, { request_format: { title: 'other one' } });
    await within(Promise.all([a.ready(), b.ready()]), 5000);
    const infos = await a.listFunctions({ prefix: 'dup::' });
    expect(infos.map((f) => [f.namespace, (f.request_format as { title: string }).title]).sort()).toEqual([
      ['default', 'default one'],
      ['other', 'other one'],
    ]);
  });

  it('a session that may list but not read details gets the rows without formats', async () => {
    const e = await engine({ listeners: [{ port: 0 }, { port: 0, rbac: { auth_function_id: 'test::auth', expose_functions: ['match("pub::*")'] } }] });
    const trusted = worker(e.listeners[0]!.url);
    trusted.registerFunction('test::auth', () => ({ allowed_functions: ['engine::functions::list'] }));
    trusted.registerFunction('pub::f', () => 1, { request_format: { type: 'object' } });
    await registered(trusted, 'pub::f');
    const w = worker(e.listeners[1]!.url);
    await within(w.ready(), 5000);
    // engine::functions::info is neither exposed nor granted: FORBIDDEN, the listing still answers.
    const infos = await within(w.listFunctions({ prefix: 'pub::' }), 5000);
    expect(infos).toEqual([expect.objectContaining({ function_id: 'pub::f' })]);
    expect(infos[0]).not.toHaveProperty('request_format');
  });
});

describe('listTriggers', () => {
  it('fills metadata only with withMetadata: true, one engine::registered-triggers::info call per binding', async () => {
    const e = await engine();
    const w = worker(e.url);
    w.registerFunction('lt::target', () => null);
    for (let i = 0; i < 3; i++) {
      w.registerTrigger({ type: 'http', function_id: 'lt::target', config: { api_path: `lt/${i}` }, metadata: { n: i } });
    }
    await within(w.ready(), 5000);
    const plain = await w.listTriggers({ function_id: 'lt::target' });
    expect(plain).toHaveLength(3);
    for (const t of plain) expect(t).not.toHaveProperty('metadata');
    const calls = spyCalls(w);
    const full = await w.listTriggers({ function_id: 'lt::target', withMetadata: true });
    expect(full.map((t) => t.metadata).sort((x, y) => Number(x?.n) - Number(y?.n))).toEqual([{ n: 0 }, { n: 1 }, { n: 2 }]);
    expect(full.map((t) => (t.config as { api_path: string }).api_path).sort()).toEqual(['lt/0', 'lt/1', 'lt/2']);
    expect(calls.filter((c) => c.function_id === 'engine::registered-triggers::info')).toHaveLength(3);
  });
});
