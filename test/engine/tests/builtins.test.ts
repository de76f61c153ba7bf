// §5 built-in engine functions, §4.1 channels::create, §8 items 13, 38–39.
import { describe, expect, it } from 'vitest';
import { useHarness } from './harness';
import { UUID_RE, type Frame, type RawWorker } from './raw-client';

const h = useHarness();

async function one(opts: Parameters<typeof h.engine>[0] = {}) {
  const e = await h.engine(opts);
  const w = await h.announced(e.url, { name: 'main' });
  return { e, w };
}

async function ids(w: RawWorker, input: Frame): Promise<string[]> {
  const r = await w.call('engine::functions::list', input);
  return (r.functions as Frame[]).map((f) => String(f.function_id));
}

describe('engine::channels::create (§4.1, §8 item 13)', () => {
  it('returns writer and reader refs sharing channel_id and access_key', async () => {
    const { w } = await one();
    const r = await w.call('engine::channels::create', {});
    expect(Object.keys(r).sort()).toEqual(['reader', 'writer']);
    expect(r.writer.direction).toBe('write');
    expect(r.reader.direction).toBe('read');
    expect(r.writer.channel_id).toBe(r.reader.channel_id);
    expect(r.writer.access_key).toBe(r.reader.access_key);
    expect(r.writer.channel_id).toMatch(UUID_RE);
    expect(r.writer.access_key).toMatch(UUID_RE);
    expect(Object.keys(r.writer).sort()).toEqual(['access_key', 'channel_id', 'direction']);
  });

  it('creates a distinct channel per call', async () => {
    const { w } = await one();
    const a = await w.call('engine::channels::create', {});
    const b = await w.call('engine::channels::create', {});
    expect(a.writer.channel_id).not.toBe(b.writer.channel_id);
  });

  it('accepts buffer_size absent, null, 0, in range and above 1024', async () => {
    const { w } = await one();
    for (const input of [{}, { buffer_size: null }, { buffer_size: 0 }, { buffer_size: 10 }, { buffer_size: 5000 }]) {
      const r = await w.call('engine::channels::create', input);
      expect(r.writer.direction).toBe('write');
    }
  });

  it('fails deserialization_error for a negative, fractional or non-numeric buffer_size', async () => {
    const { w } = await one();
    for (const bad of [-1, 1.5, '10', true]) {
      const f = await w.callFrame('engine::channels::create', { buffer_size: bad });
      expect(f.error?.code).toBe('deserialization_error');
      expect(String(f.error?.message)).toMatch(/^Failed to deserialize input for engine::channels::create: /);
    }
  });
});

describe('built-in input decoding (§5)', () => {
  it('fails deserialization_error for non-object input', async () => {
    const { w } = await one();
    for (const bad of [null, [1], 3, 'x']) {
      const f = await w.callFrame('engine::functions::list', bad);
      expect(f.error?.code).toBe('deserialization_error');
      expect(String(f.error?.message)).toMatch(/^Failed to deserialize input for engine::functions::list: /);
    }
  });

  it('ignores unknown keys in built-in input', async () => {
    const { w } = await one();
    const r = await w.call('engine::functions::list', { whatever: 1 });
    expect(Array.isArray(r.functions)).toBe(true);
  });
});

describe('engine::functions::list (§5, §8 item 39)', () => {
  it('hides engine:: ids and metadata.internal functions by default and shows them with include_internal', async () => {
    const { w } = await one();
    w.registerFunction('vis::shown');
    w.registerFunction('vis::hidden', { metadata: { internal: true } });
    await w.sync();
    const def = await ids(w, {});
    expect(def).toContain('vis::shown');
    expect(def).not.toContain('vis::hidden');
    expect(def.some((x) => x.startsWith('engine::'))).toBe(false);
    const all = await ids(w, { include_internal: true });
    expect(all).toContain('vis::hidden');
    expect(all).toContain('engine::functions::list');
    expect(all).toContain('engine::channels::create');
  });

  it('sorts by id bytewise', async () => {
    const { w } = await one();
    for (const id of ['s::b', 's::B', 's::a', 's::a::z']) w.registerFunction(id);
    await w.sync();
    expect(await ids(w, { prefix: 's::' })).toEqual(['s::B', 's::a', 's::a::z', 's::b']);
  });

  it('filters by case-sensitive prefix', async () => {
    const { w } = await one();
    w.registerFunction('Pre::x');
    w.registerFunction('pre::y');
    await w.sync();
    expect(await ids(w, { prefix: 'pre::' })).toEqual(['pre::y']);
  });

  it('filters by search (case-insensitive, id or description) and ranks the hits', async () => {
    const { w } = await one();
    w.registerFunction('zeta::order');
    w.registerFunction('order::create');
    w.registerFunction('alpha::reorders');
    w.registerFunction('misc::thing', { description: 'Handles ORDER events' });
    w.registerFunction('misc::other');
    await w.sync();
    expect(await ids(w, { search: 'Order' })).toEqual(['order::create', 'zeta::order', 'alpha::reorders', 'misc::thing']);
  });

  it('filters by worker name (exact) and by a workers list (OR)', async () => {
    const e = await h.engine();
    const a = await h.announced(e.url, { name: 'alpha-w' });
    const b = await h.announced(e.url, { name: 'beta-w' });
    a.registerFunction('wa::fn');
    b.registerFunction('wb::fn');
    await a.sync();
    await b.sync();
    expect(await ids(a, { worker: 'alpha-w' })).toEqual(['wa::fn']);
    expect(await ids(a, { worker: 'alpha' })).toEqual([]);
    expect(await ids(a, { workers: ['alpha-w', 'beta-w'] })).toEqual(['wa::fn', 'wb::fn']);
    expect(await ids(a, { workers: [], prefix: 'w' })).toEqual(['wa::fn', 'wb::fn']);
  });

  it('spans all namespaces and reports summary rows', async () => {
    const e = await h.engine();
    const a = await h.announced(e.url, { name: 'ns-a', namespace: 'a' });
    a.registerFunction('rows::fn', { description: 'D', metadata: { k: 1 } });
    await a.sync();
    const caller = await h.announced(e.url);
    const r = await caller.call('engine::functions::list', { prefix: 'rows::' });
    expect(r.functions).toEqual([{ function_id: 'rows::fn', namespace: 'a', worker_name: 'ns-a', description: 'D', metadata: { k: 1 } }]);
  });

  it('falls back to the first id segment for the worker_name of an unnamed owner', async () => {
    const e = await h.engine();
    const w = await h.worker(e.url);
    await w.announce({ pid: 1 });
    w.registerFunction('segment::fn');
    await w.sync();
    const rows = await w.functionRows({ prefix: 'segment::' });
    expect(rows[0]?.worker_name).toBe('segment');
  });

  it('names the in-process owners of builtins (§8 item 38)', async () => {
    const { w } = await one();
    const rows = await w.functionRows({ prefix: 'engine::' });
    const by = (id: string) => rows.find((r) => r.function_id === id)?.worker_name;
    expect(by('engine::functions::list')).toBe('iii-engine-functions');
    expect(by('engine::channels::create')).toBe('iii-engine-functions');
    expect(by('engine::workers::list')).toBe('iii-engine-functions');
    expect(by('engine::log::info')).toBe('iii-observability');
    expect(by('engine::baggage::get')).toBe('iii-observability');
  });

  it('lists a newly registered function at once', async () => {
    const { w } = await one();
    w.registerFunction('fresh::fn');
    await w.sync();
    expect(await ids(w, {})).toContain('fresh::fn');
  });
});

describe('engine::functions::info (§5)', () => {
  it('returns a FunctionDetail including its registered triggers', async () => {
    const { w } = await one();
    w.registerFunction('info::fn', { description: 'd', request_format: { a: 1 } });
    w.registerTrigger('info-t', 'http', 'info::fn', { api_path: 'info' });
    await w.sync();
    const d = await w.call('engine::functions::info', { function_id: 'info::fn' });
    expect(d).toMatchObject({ function_id: 'info::fn', namespace: 'default', worker_name: 'main', description: 'd', request_schema: { a: 1 } });
    expect(d.registered_triggers).toEqual([{ id: 'info-t', trigger_type: 'http', config: { api_path: 'info' } }]);
  });

  it('answers NOT_FOUND for an unknown id', async () => {
    const { w } = await one();
    const f = await w.callFrame('engine::functions::info', { function_id: 'no::such' });
    expect(f.error).toEqual({ code: 'NOT_FOUND', message: "Function 'no::such' is not registered." });
  });

  it('answers INVALID_ARGUMENTS for both or neither of function_id/function_ids and for bad batches', async () => {
    const { w } = await one();
    for (const input of [{}, { function_id: 'a', function_ids: ['a'] }, { function_ids: [] }, { function_ids: Array.from({ length: 33 }, (_, i) => `f${i}`) }]) {
      const f = await w.callFrame('engine::functions::info', input);
      expect(f.error?.code).toBe('INVALID_ARGUMENTS');
    }
  });

  it('answers a batch with details and not_found entries', async () => {
    const { w } = await one();
    w.registerFunction('batch::a');
    await w.sync();
    const r = await w.call('engine::functions::info', { function_ids: ['batch::a', 'batch::missing'] });
    expect(r.functions[0]).toMatchObject({ function_id: 'batch::a' });
    expect(r.functions[1]).toEqual({ function_id: 'batch::missing', error: 'not_found' });
  });

  it('answers NOT_FOUND when an id without namespace is registered in several namespaces', async () => {
    const e = await h.engine();
    const a = await h.announced(e.url, { namespace: 'na' });
    const b = await h.announced(e.url, { namespace: 'nb' });
    a.registerFunction('amb::fn');
    b.registerFunction('amb::fn');
    await a.sync();
    await b.sync();
    const f = await a.callFrame('engine::functions::info', { function_id: 'amb::fn' });
    expect(f.error?.code).toBe('NOT_FOUND');
    const d = await a.call('engine::functions::info', { function_id: 'amb::fn', namespace: 'nb' });
    expect(d.namespace).toBe('nb');
  });

  it('resolves in the namespace given in the input', async () => {
    const e = await h.engine();
    const a = await h.announced(e.url, { namespace: 'zone' });
    a.registerFunction('zone::fn');
    await a.sync();
    const d = await a.call('engine::functions::info', { function_id: 'zone::fn', namespace: 'zone' });
    expect(d.namespace).toBe('zone');
  });
});

describe('trigger introspection (§5)', () => {
  it('lists trigger types, hiding engine:: ones unless include_internal', async () => {
    const { w } = await one();
    w.registerTriggerType('custom::type', { description: 'Custom' });
    await w.sync();
    const def = ((await w.call('engine::triggers::list', {})).triggers as Frame[]).map((t) => t.id);
    expect(def).toContain('custom::type');
    expect(def).toContain('http');
    expect(def).not.toContain('engine::functions-available');
    const all = ((await w.call('engine::triggers::list', { include_internal: true })).triggers as Frame[]).map((t) => t.id);
    expect(all).toContain('engine::functions-available');
    expect(all).toContain('engine::workers-available');
  });

  it('reports a WS provider type with its provider name and description', async () => {
    const { w } = await one();
    w.registerTriggerType('hooky', { description: 'Hook type' });
    await w.sync();
    const row = ((await w.call('engine::triggers::list', {})).triggers as Frame[]).find((t) => t.id === 'hooky');
    expect(row).toEqual({ id: 'hooky', namespace: 'default', worker_name: 'main', description: 'Hook type' });
  });

  it('filters trigger types by prefix, search (id or description) and worker', async () => {
    const { w } = await one();
    w.registerTriggerType('flt::one', { description: 'First kind' });
    w.registerTriggerType('flt::two', { description: 'Second KIND' });
    w.registerTriggerType('other', { description: 'unrelated' });
    await w.sync();
    const rows = async (input: Frame) => ((await w.call('engine::triggers::list', input)).triggers as Frame[]).map((t) => t.id);
    expect(await rows({ prefix: 'flt::' })).toEqual(['flt::one', 'flt::two']);
    expect(await rows({ search: 'kind' })).toEqual(['flt::one', 'flt::two']);
    expect(await rows({ search: 'TWO' })).toEqual(['flt::two']);
    expect(await rows({ worker: 'main' })).toEqual(['flt::one', 'flt::two', 'other']);
    expect(await rows({ worker: 'iii-http' })).toEqual(['http']);
  });

  it('returns engine::triggers::info with schemas and instance_count', async () => {
    const { w } = await one();
    w.registerTriggerType('schemed', { description: 'S', trigger_request_format: { c: 1 }, call_request_format: { r: 1 } });
    w.registerTrigger('sch-1', 'schemed', 'x::fn', {});
    await w.sync();
    const d = await w.call('engine::triggers::info', { id: 'schemed' });
    expect(d).toMatchObject({ id: 'schemed', namespace: 'default', worker_name: 'main', description: 'S', configuration_schema: { c: 1 }, request_schema: { r: 1 }, instance_count: 1 });
  });

  it('answers NOT_FOUND from engine::triggers::info for an unknown type', async () => {
    const { w } = await one();
    const f = await w.callFrame('engine::triggers::info', { id: 'nope-type' });
    expect(f.error?.code).toBe('NOT_FOUND');
  });

  it('lists registered triggers with config and config_summary truncated to 80 chars', async () => {
    const { w } = await one();
    const long = { text: 'y'.repeat(200) };
    w.registerTrigger('rt-1', 'http', 'rt::fn', { api_path: 'rt' });
    w.registerTrigger('rt-2', 'http', 'rt::fn', { api_path: 'rt2', ...long });
    await w.sync();
    const rows = (await w.call('engine::registered-triggers::list', {})).registered_triggers as Frame[];
    const r1 = rows.find((r) => r.id === 'rt-1');
    expect(r1).toMatchObject({ id: 'rt-1', trigger_type: 'http', function_id: 'rt::fn', config: { api_path: 'rt' }, config_summary: '{"api_path":"rt"}' });
    const r2 = rows.find((r) => r.id === 'rt-2');
    expect(r2?.config_summary).toBe(`${JSON.stringify({ api_path: 'rt2', ...long }).slice(0, 80)}…`);
  });

  it('filters registered triggers by trigger_type and function_id', async () => {
    const { w } = await one();
    w.registerTriggerType('kind-a');
    w.registerTrigger('f-1', 'kind-a', 'fa::fn', {});
    w.registerTrigger('f-2', 'http', 'fb::fn', { api_path: 'f2' });
    await w.sync();
    const byType = (await w.call('engine::registered-triggers::list', { trigger_type: 'kind-a' })).registered_triggers as Frame[];
    expect(byType.map((r) => r.id)).toEqual(['f-1']);
    const byFn = (await w.call('engine::registered-triggers::list', { function_id: 'fb::fn' })).registered_triggers as Frame[];
    expect(byFn.map((r) => r.id)).toEqual(['f-2']);
  });

  it('returns engine::registered-triggers::info with trigger and function details', async () => {
    const { w } = await one();
    w.registerFunction('rti::fn');
    w.registerTrigger('rti-1', 'http', 'rti::fn', { api_path: 'rti' }, { metadata: { m: 1 } });
    await w.sync();
    const d = await w.call('engine::registered-triggers::info', { id: 'rti-1' });
    expect(d).toMatchObject({ id: 'rti-1', trigger_type: 'http', function_id: 'rti::fn', config: { api_path: 'rti' }, metadata: { m: 1 } });
    expect(d.trigger).toMatchObject({ id: 'http' });
    expect(d.function).toMatchObject({ function_id: 'rti::fn' });
  });

  it('answers NOT_FOUND from engine::registered-triggers::info for an unknown id', async () => {
    const { w } = await one();
    const f = await w.callFrame('engine::registered-triggers::info', { id: 'nope' });
    expect(f.error?.code).toBe('NOT_FOUND');
  });
});

describe('engine::workers::list and info (§5)', () => {
  it('omits WS workers that announced no pid', async () => {
    const e = await h.engine();
    const browserish = await h.worker(e.url);
    await browserish.announce({ name: 'browser-like', pid: null, runtime: 'browser' });
    const nodeish = await h.announced(e.url, { name: 'node-like' });
    const rows = (await nodeish.call('engine::workers::list', {})).workers as Frame[];
    const names = rows.map((r) => r.name);
    expect(names).toContain('node-like');
    expect(names).not.toContain('browser-like');
  });

  it('omits a connection that never announced', async () => {
    const e = await h.engine();
    const silent = await h.worker(e.url);
    const w = await h.announced(e.url, { name: 'listed' });
    const rows = (await w.call('engine::workers::list', {})).workers as Frame[];
    expect(rows.map((r) => r.id)).not.toContain(silent.workerId);
  });

  it('lists in-process workers with runtime engine, status available, isolation in-process', async () => {
    const { w } = await one();
    const rows = (await w.call('engine::workers::list', {})).workers as Frame[];
    const inproc = rows.filter((r) => r.runtime === 'engine');
    expect(inproc.map((r) => r.name)).toEqual(expect.arrayContaining(['iii-engine-functions', 'iii-observability']));
    for (const r of inproc) {
      expect(r.status).toBe('available');
      expect(r.isolation).toBe('in-process');
    }
  });

  it('reports WorkerSummary fields for a WS worker', async () => {
    const e = await h.engine();
    const w = await h.announced(e.url, { name: 'summary', description: 'S', namespace: 'orders' });
    w.registerFunction('sum::a');
    w.registerFunction('sum::b');
    await w.sync();
    const row = ((await w.call('engine::workers::list', {})).workers as Frame[]).find((r) => r.id === w.workerId)!;
    for (const key of ['name', 'description', 'version', 'id', 'namespace', 'runtime', 'os', 'status', 'function_count', 'connected_at_ms', 'active_invocations', 'isolation', 'ip_address']) {
      expect(row).toHaveProperty(key);
    }
    expect(row.function_count).toBe(2);
    expect(row.ip_address).toBe('127.0.0.1');
    expect(row.isolation).toBeNull();
    expect(typeof row.connected_at_ms).toBe('number');
  });

  it('filters workers by runtime', async () => {
    const { w } = await one();
    const rows = (await w.call('engine::workers::list', { runtime: 'engine' })).workers as Frame[];
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.runtime === 'engine')).toBe(true);
  });

  it('returns engine::workers::info with pid, functions and trigger types', async () => {
    const e = await h.engine();
    const w = await h.announced(e.url, { name: 'detail', pid: 777 });
    w.registerFunction('det::fn');
    w.registerTriggerType('det-type');
    await w.sync();
    const d = await w.call('engine::workers::info', { name: 'detail' });
    expect(d.worker).toMatchObject({ name: 'detail', id: w.workerId, pid: 777, internal: false });
    expect(JSON.stringify(d.functions)).toContain('det::fn');
    expect(JSON.stringify(d.trigger_types)).toContain('det-type');
    expect(Array.isArray(d.registered_triggers)).toBe(true);
  });

  it('answers NOT_FOUND from engine::workers::info for an unknown name', async () => {
    const { w } = await one();
    const f = await w.callFrame('engine::workers::info', { name: 'nobody' });
    expect(f.error?.code).toBe('NOT_FOUND');
  });
});

describe('engine::register_trigger / engine::unregister_trigger (§3.7, §5)', () => {
  it('creates a durable binding, delivers it to the WS provider and returns {id}', async () => {
    const e = await h.engine();
    const provider = await h.announced(e.url, { name: 'prov' });
    provider.registerTriggerType('dur');
    await provider.sync();
    provider.tap((f) => {
      if (f.type === 'registertrigger') provider.send({ type: 'triggerregistrationresult', id: f.id, trigger_type: f.trigger_type, function_id: f.function_id });
      return false;
    });
    const caller = await h.announced(e.url);
    const r = await caller.call('engine::register_trigger', { trigger_type: 'dur', function_id: 'd::fn', config: { a: 1 } });
    expect(typeof r.id).toBe('string');
    const f = await provider.next((x) => x.type === 'registertrigger' && x.id === r.id);
    expect(f).toMatchObject({ trigger_type: 'dur', function_id: 'd::fn', config: { a: 1 } });
    await caller.close();
    await provider.expectNoFrame((x) => x.type === 'unregistertrigger', 200);
  });

  it('fails trigger_registration_failed when the provider rejects the binding', async () => {
    const e = await h.engine();
    const provider = await h.announced(e.url, { name: 'prov2' });
    provider.registerTriggerType('dur2');
    await provider.sync();
    provider.tap((f) => {
      if (f.type === 'registertrigger') {
        provider.send({ type: 'triggerregistrationresult', id: f.id, trigger_type: f.trigger_type, function_id: f.function_id, error: { code: 'bad', message: 'nope' } });
      }
      return false;
    });
    const caller = await h.announced(e.url);
    const f = await caller.callFrame('engine::register_trigger', { trigger_type: 'dur2', function_id: 'd::fn', config: {} });
    expect(f.error).toEqual({ code: 'trigger_registration_failed', message: 'bad: nope' });
  });

  it('removes a binding with engine::unregister_trigger and reports removed', async () => {
    const e = await h.engine();
    const provider = await h.announced(e.url, { name: 'prov3' });
    provider.registerTriggerType('dur3');
    await provider.sync();
    provider.tap((f) => {
      if (f.type === 'registertrigger') provider.send({ type: 'triggerregistrationresult', id: f.id, trigger_type: f.trigger_type, function_id: f.function_id });
      return false;
    });
    const caller = await h.announced(e.url);
    const { id } = await caller.call('engine::register_trigger', { trigger_type: 'dur3', function_id: 'd::fn' });
    expect(await caller.call('engine::unregister_trigger', { id })).toEqual({ removed: true });
    await provider.next((x) => x.type === 'unregistertrigger' && x.id === id);
    expect(await caller.call('engine::unregister_trigger', { id })).toEqual({ removed: false });
  });
});

describe('engine::log::* and engine::baggage::* (§5)', () => {
  it('answers engine::log::* calls with neither result nor error', async () => {
    const { w } = await one();
    for (const level of ['info', 'warn', 'error', 'debug', 'trace']) {
      const f = await w.callFrame(`engine::log::${level}`, { message: `hello ${level}`, data: { a: 1 } });
      expect(f).not.toHaveProperty('result');
      expect(f).not.toHaveProperty('error');
      expect(f.function_id).toBe(`engine::log::${level}`);
    }
  });

  it('fails engine::log::info without a message with deserialization_error', async () => {
    const { w } = await one();
    const f = await w.callFrame('engine::log::info', { data: 1 });
    expect(f.error?.code).toBe('deserialization_error');
  });

  it('answers engine::baggage::get, set and get_all', async () => {
    const { w } = await one();
    expect(await w.call('engine::baggage::get', { key: 'k' })).toEqual({ value: null });
    const s = await w.call('engine::baggage::set', { key: 'k', value: 'v' });
    expect(s.success).toBe(true);
    expect(typeof s.note).toBe('string');
    const all = await w.call('engine::baggage::get_all', {});
    expect(all).toHaveProperty('baggage');
    expect(typeof all.baggage).toBe('object');
  });
});
