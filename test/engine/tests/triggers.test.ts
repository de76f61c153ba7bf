// §3.7 trigger types and bindings, built-in trigger types, §8 items 18–19, 27–30.
import { describe, expect, it } from 'vitest';
import { useHarness } from './harness';
import { sleep, UUID_RE, type Frame, type RawWorker } from './raw-client';

const h = useHarness();

async function setup() {
  const e = await h.engine();
  const provider = await h.announced(e.url, { name: 'provider' });
  const consumer = await h.announced(e.url, { name: 'consumer' });
  consumer.registerFunction('c::on_hook');
  await consumer.sync();
  return { e, provider, consumer };
}

const isReg = (id: string) => (f: Frame) => f.type === 'registertrigger' && f.id === id;
const isUnreg = (id: string) => (f: Frame) => f.type === 'unregistertrigger' && f.id === id;

function ack(provider: RawWorker, f: Frame, error?: Frame): void {
  const frame: Frame = { type: 'triggerregistrationresult', id: f.id, trigger_type: f.trigger_type, function_id: f.function_id };
  if (error) frame.error = error;
  provider.send(frame);
}

describe('binding delivery to a WS provider (§3.7)', () => {
  it('delivers registertrigger to the provider with id, type, function_id, config and metadata', async () => {
    const { provider, consumer } = await setup();
    provider.registerTriggerType('webhook');
    await provider.sync();
    consumer.registerTrigger('b-1', 'webhook', 'c::on_hook', { path: '/x' }, { metadata: { source: 'a' } });
    const f = await provider.next(isReg('b-1'));
    expect(f).toEqual({
      type: 'registertrigger',
      id: 'b-1',
      trigger_type: 'webhook',
      function_id: 'c::on_hook',
      config: { path: '/x' },
      metadata: { source: 'a' },
    });
  });

  it('adds namespace to the delivery only when the target namespace is not default', async () => {
    const { provider, consumer } = await setup();
    provider.registerTriggerType('webhook');
    await provider.sync();
    consumer.registerTrigger('b-ns', 'webhook', 'c::on_hook', {}, { namespace: 'orders' });
    const f = await provider.next(isReg('b-ns'));
    expect(f.namespace).toBe('orders');
    consumer.registerTrigger('b-def', 'webhook', 'c::on_hook', {});
    const g = await provider.next(isReg('b-def'));
    expect(g).not.toHaveProperty('namespace');
    expect(g).not.toHaveProperty('trigger_namespace');
  });

  it('adds trigger_namespace when the provider namespace is not default', async () => {
    const e = await h.engine();
    const provider = await h.announced(e.url, { namespace: 'orders' });
    provider.registerTriggerType('hook');
    await provider.sync();
    const consumer = await h.announced(e.url);
    consumer.registerTrigger('tn-1', 'hook', 'c::fn', {}, { trigger_namespace: 'orders' });
    const f = await provider.next(isReg('tn-1'));
    expect(f.trigger_namespace).toBe('orders');
  });

  it('sends "config": null to the provider (§8 item 19)', async () => {
    const { provider, consumer } = await setup();
    provider.registerTriggerType('webhook');
    await provider.sync();
    consumer.registerTrigger('b-null', 'webhook', 'c::on_hook', null);
    const f = await provider.next(isReg('b-null'));
    expect(f).toHaveProperty('config', null);
  });

  it('stays silent to the originator on success', async () => {
    const { provider, consumer } = await setup();
    provider.registerTriggerType('webhook');
    await provider.sync();
    consumer.registerTrigger('b-ok', 'webhook', 'c::on_hook', {});
    const f = await provider.next(isReg('b-ok'));
    ack(provider, f);
    await consumer.expectNoFrame(() => true, 250);
  });

  it('never answers registertriggertype', async () => {
    const { provider } = await setup();
    provider.registerTriggerType('webhook');
    await provider.expectNoFrame(() => true, 200);
  });

  it('resolves the provider in the originator namespace first, then default', async () => {
    const e = await h.engine();
    const defProv = await h.announced(e.url, { name: 'def-prov' });
    const nsProv = await h.announced(e.url, { name: 'ns-prov', namespace: 'orders' });
    defProv.registerTriggerType('hook');
    nsProv.registerTriggerType('hook');
    await defProv.sync();
    await nsProv.sync();
    const homeOrders = await h.announced(e.url, { namespace: 'orders' });
    homeOrders.registerTrigger('res-1', 'hook', 'x::fn', {});
    await nsProv.next(isReg('res-1'));
    const homeOther = await h.announced(e.url, { namespace: 'elsewhere' });
    homeOther.registerTrigger('res-2', 'hook', 'x::fn', {});
    await defProv.next(isReg('res-2'));
    await defProv.expectNoFrame(isReg('res-1'), 100);
  });

  it('parks a binding whose explicit trigger_namespace has no provider, even if default has one', async () => {
    const { provider, consumer } = await setup();
    provider.registerTriggerType('webhook');
    await provider.sync();
    consumer.registerTrigger('strict-1', 'webhook', 'c::on_hook', {}, { trigger_namespace: 'nowhere' });
    await provider.expectNoFrame(isReg('strict-1'), 250);
    await consumer.expectNoFrame(() => true, 50);
  });
});

describe('parking and re-delivery (§3.7, §8 item 28)', () => {
  it('parks a binding without provider silently and delivers it with the same id when a provider appears', async () => {
    const { e, consumer } = await setup();
    consumer.registerTrigger('park-1', 'later', 'c::on_hook', { k: 1 });
    await consumer.expectNoFrame(() => true, 200);
    const provider = await h.announced(e.url, { name: 'late-provider' });
    provider.registerTriggerType('later');
    const f = await provider.next(isReg('park-1'));
    expect(f).toMatchObject({ id: 'park-1', trigger_type: 'later', function_id: 'c::on_hook', config: { k: 1 } });
  });

  it('re-delivers live bindings with their original ids when the provider reconnects', async () => {
    const { e, provider, consumer } = await setup();
    provider.registerTriggerType('webhook');
    await provider.sync();
    consumer.registerTrigger('keep-id', 'webhook', 'c::on_hook', { a: 1 });
    await provider.next(isReg('keep-id'));
    await provider.close();
    await consumer.expectNoFrame(() => true, 100);
    const again = await h.announced(e.url, { name: 'provider' });
    again.registerTriggerType('webhook');
    const f = await again.next(isReg('keep-id'));
    expect(f.config).toEqual({ a: 1 });
  });

  it('forwards a provider error ack to the originator with the stored type and function id', async () => {
    const { provider, consumer } = await setup();
    provider.registerTriggerType('webhook');
    await provider.sync();
    consumer.registerTrigger('bad-1', 'webhook', 'c::on_hook', {});
    const f = await provider.next(isReg('bad-1'));
    provider.send({
      type: 'triggerregistrationresult',
      id: 'bad-1',
      trigger_type: 'other',
      function_id: 'other::fn',
      error: { code: 'trigger_registration_failed', message: 'bad config', extra: true },
    });
    void f;
    const r = await consumer.nextType('triggerregistrationresult');
    expect(r).toEqual({
      type: 'triggerregistrationresult',
      id: 'bad-1',
      trigger_type: 'webhook',
      function_id: 'c::on_hook',
      error: { code: 'trigger_registration_failed', message: 'bad config' },
    });
  });

  it('parks a rejected binding and re-delivers it on the next type registration, without unregistertrigger', async () => {
    const { provider, consumer } = await setup();
    provider.registerTriggerType('webhook');
    await provider.sync();
    consumer.registerTrigger('bad-2', 'webhook', 'c::on_hook', {});
    const f = await provider.next(isReg('bad-2'));
    ack(provider, f, { code: 'trigger_registration_failed', message: 'no' });
    await consumer.nextType('triggerregistrationresult');
    await provider.expectNoFrame(isUnreg('bad-2'), 150);
    provider.registerTriggerType('webhook');
    await provider.next(isReg('bad-2'));
  });

  it('ignores an ack from a connection that is not the provider', async () => {
    const { e, provider, consumer } = await setup();
    provider.registerTriggerType('webhook');
    await provider.sync();
    consumer.registerTrigger('spoof-1', 'webhook', 'c::on_hook', {});
    await provider.next(isReg('spoof-1'));
    const stranger = await h.announced(e.url);
    stranger.send({
      type: 'triggerregistrationresult',
      id: 'spoof-1',
      trigger_type: 'webhook',
      function_id: 'c::on_hook',
      error: { code: 'x', message: 'spoof' },
    });
    await consumer.expectNoFrame(() => true, 250);
  });

  it('ignores acks for unknown binding ids', async () => {
    const { provider } = await setup();
    provider.send({ type: 'triggerregistrationresult', id: 'nope', trigger_type: 'x', function_id: 'y', error: { code: 'a', message: 'b' } });
    await provider.sync();
  });

  it('re-sends every live binding when the same connection registers the type again (§8 item 27)', async () => {
    const { provider, consumer } = await setup();
    provider.registerTriggerType('webhook');
    await provider.sync();
    consumer.registerTrigger('again-1', 'webhook', 'c::on_hook', {});
    await provider.next(isReg('again-1'));
    provider.registerTriggerType('webhook');
    await provider.next(isReg('again-1'));
  });

  it('replaces the provider of a type key on re-registration by another connection without telling the old one', async () => {
    const { e, provider, consumer } = await setup();
    provider.registerTriggerType('webhook');
    await provider.sync();
    const newer = await h.announced(e.url);
    newer.registerTriggerType('webhook');
    await newer.sync();
    consumer.registerTrigger('repl-1', 'webhook', 'c::on_hook', {});
    await newer.next(isReg('repl-1'));
    await provider.expectNoFrame(() => true, 150);
  });

  it('drops a parked binding on unregistertrigger', async () => {
    const { e, consumer } = await setup();
    consumer.registerTrigger('drop-1', 'ghost', 'c::on_hook', {});
    consumer.unregisterTrigger('drop-1');
    await consumer.sync();
    const provider = await h.announced(e.url);
    provider.registerTriggerType('ghost');
    await provider.expectNoFrame(isReg('drop-1'), 250);
  });
});

describe('unbinding and disconnects (§3.7, §3.13)', () => {
  it('tells the provider unregistertrigger {id, trigger_type} when the originator unbinds', async () => {
    const { provider, consumer } = await setup();
    provider.registerTriggerType('webhook');
    await provider.sync();
    consumer.registerTrigger('u-1', 'webhook', 'c::on_hook', { a: 1 });
    await provider.next(isReg('u-1'));
    consumer.unregisterTrigger('u-1');
    const f = await provider.next(isUnreg('u-1'));
    expect(f).toEqual({ type: 'unregistertrigger', id: 'u-1', trigger_type: 'webhook' });
    await consumer.expectNoFrame(() => true, 100);
  });

  it('accepts unregistertrigger from any connection (ownership not checked)', async () => {
    const { e, provider, consumer } = await setup();
    provider.registerTriggerType('webhook');
    await provider.sync();
    consumer.registerTrigger('u-any', 'webhook', 'c::on_hook', {});
    await provider.next(isReg('u-any'));
    const stranger = await h.announced(e.url);
    stranger.unregisterTrigger('u-any');
    await provider.next(isUnreg('u-any'));
  });

  it('sends unregistertrigger to the provider when the originator leaves', async () => {
    const { provider, consumer } = await setup();
    provider.registerTriggerType('webhook');
    await provider.sync();
    consumer.registerTrigger('leave-1', 'webhook', 'c::on_hook', {});
    await provider.next(isReg('leave-1'));
    await consumer.close();
    const f = await provider.next(isUnreg('leave-1'));
    expect(f).toEqual({ type: 'unregistertrigger', id: 'leave-1', trigger_type: 'webhook' });
  });

  it('drops the parked intents of an originator that leaves', async () => {
    const { e, consumer } = await setup();
    consumer.registerTrigger('intent-1', 'future', 'c::on_hook', {});
    await consumer.sync();
    await consumer.close();
    const provider = await h.announced(e.url);
    provider.registerTriggerType('future');
    await provider.expectNoFrame(isReg('intent-1'), 250);
  });

  it('falls back to the default provider when a namespace provider disconnects', async () => {
    const e = await h.engine();
    const defProv = await h.announced(e.url, { name: 'dp' });
    defProv.registerTriggerType('hook');
    await defProv.sync();
    const nsProv = await h.announced(e.url, { name: 'np', namespace: 'orders' });
    nsProv.registerTriggerType('hook');
    await nsProv.sync();
    const home = await h.announced(e.url, { namespace: 'orders' });
    home.registerTrigger('fb-1', 'hook', 'x::fn', {});
    await nsProv.next(isReg('fb-1'));
    await nsProv.close();
    await defProv.next(isReg('fb-1'));
  });

  it('moves a binding that fell back to the default provider to a provider registering in its home namespace', async () => {
    const e = await h.engine();
    const defProv = await h.announced(e.url, { name: 'dp2' });
    defProv.registerTriggerType('hook2');
    await defProv.sync();
    const home = await h.announced(e.url, { namespace: 'orders' });
    home.registerTrigger('rehome-1', 'hook2', 'x::fn', { c: 1 });
    await defProv.next(isReg('rehome-1'));
    const nsProv = await h.announced(e.url, { name: 'np2', namespace: 'orders' });
    nsProv.registerTriggerType('hook2');
    const un = await defProv.next(isUnreg('rehome-1'));
    expect(un).toEqual({ type: 'unregistertrigger', id: 'rehome-1', trigger_type: 'hook2' });
    const f = await nsProv.next(isReg('rehome-1'));
    expect(f.config).toEqual({ c: 1 });
  });

  it('removes the trigger types of a provider that disconnects', async () => {
    const { provider, consumer } = await setup();
    provider.registerTriggerType('short-lived');
    await provider.sync();
    const listed = async () => ((await consumer.call('engine::triggers::list', {})).triggers as Frame[]).map((t) => t.id);
    expect(await listed()).toContain('short-lived');
    await provider.close();
    await sleep(30);
    expect(await listed()).not.toContain('short-lived');
  });

  it('lets any connection reuse a binding id and become its originator (§8 item 18)', async () => {
    const { e, provider, consumer } = await setup();
    provider.registerTriggerType('webhook');
    await provider.sync();
    consumer.registerTrigger('reuse-1', 'webhook', 'c::on_hook', { v: 1 });
    await provider.next(isReg('reuse-1'));
    const other = await h.announced(e.url);
    other.registerTrigger('reuse-1', 'webhook', 'c::on_hook', { v: 2 });
    const f = await provider.next(isReg('reuse-1'));
    expect(f.config).toEqual({ v: 2 });
    await other.close();
    await provider.next(isUnreg('reuse-1'));
  });
});

describe('namespace validation of bindings (§3.7, §8 item 30)', () => {
  it('answers INVALID_NAMESPACE for a blank namespace', async () => {
    const { consumer } = await setup();
    consumer.registerTrigger('blank-1', 'webhook', 'c::on_hook', {}, { namespace: ' ' });
    const r = await consumer.nextType('triggerregistrationresult');
    expect(r).toEqual({
      type: 'triggerregistrationresult',
      id: 'blank-1',
      trigger_type: 'webhook',
      function_id: 'c::on_hook',
      error: {
        code: 'INVALID_NAMESPACE',
        message: '`namespace` is empty: it was named and left blank. Give it a name, or omit it to use `default`.',
      },
    });
  });

  it('answers INVALID_NAMESPACE naming trigger_namespace for a blank trigger_namespace', async () => {
    const { consumer } = await setup();
    consumer.registerTrigger('blank-2', 'webhook', 'c::on_hook', {}, { trigger_namespace: '' });
    const r = await consumer.nextType('triggerregistrationresult');
    expect(r.error).toEqual({
      code: 'INVALID_NAMESPACE',
      message: '`trigger_namespace` is empty: it was named and left blank. Give it a name, or omit it to use `default`.',
    });
  });

  it('names namespace first when both namespaces are blank', async () => {
    const { consumer } = await setup();
    consumer.registerTrigger('blank-3', 'webhook', 'c::on_hook', {}, { namespace: '', trigger_namespace: '' });
    const r = await consumer.nextType('triggerregistrationresult');
    expect(String(r.error?.message)).toMatch(/^`namespace` is empty/);
  });

  it('ignores a registertriggertype with a blank namespace', async () => {
    const { provider, consumer } = await setup();
    provider.registerTriggerType('blankns', { namespace: '  ' });
    await provider.sync();
    await provider.expectNoFrame(() => true, 50);
    consumer.registerTrigger('bt-1', 'blankns', 'c::on_hook', {});
    await provider.expectNoFrame(isReg('bt-1'), 200);
  });

  it('serves the namespace given in registertriggertype instead of the connection namespace', async () => {
    const { e, provider } = await setup();
    provider.registerTriggerType('nsd', { namespace: 'billing' });
    await provider.sync();
    const c = await h.announced(e.url);
    c.registerTrigger('nsd-1', 'nsd', 'x::fn', {}, { trigger_namespace: 'billing' });
    await provider.next(isReg('nsd-1'));
  });
});

describe('firing (§3.7)', () => {
  it('delivers a provider fire (void invoke) to the consumer with _caller_worker_id of the provider', async () => {
    const { provider, consumer } = await setup();
    provider.registerTriggerType('webhook');
    await provider.sync();
    consumer.registerTrigger('fire-1', 'webhook', 'c::on_hook', {});
    const b = await provider.next(isReg('fire-1'));
    provider.invokeVoid(b.function_id as string, { n: 1 });
    const inv = await consumer.nextInvoke('c::on_hook');
    expect(inv.data).toEqual({ n: 1, _caller_worker_id: provider.workerId });
    expect(inv.invocation_id).toMatch(UUID_RE);
  });
});

describe('built-in trigger types (§3.7)', () => {
  it('requires api_path for http triggers: trigger_registration_failed', async () => {
    const { consumer } = await setup();
    consumer.registerTrigger('http-1', 'http', 'c::on_hook', { http_method: 'GET' });
    const r = await consumer.nextType('triggerregistrationresult');
    expect(r).toEqual({
      type: 'triggerregistrationresult',
      id: 'http-1',
      trigger_type: 'http',
      function_id: 'c::on_hook',
      error: { code: 'trigger_registration_failed', message: 'api_path is required for http triggers' },
    });
  });

  it('accepts an http trigger with api_path silently and lists it', async () => {
    const { consumer } = await setup();
    consumer.registerTrigger('http-2', 'http', 'c::on_hook', { api_path: 'hello', http_method: 'GET' });
    await consumer.expectNoFrame(() => true, 200);
    const r = await consumer.call('engine::registered-triggers::list', {});
    const ids = (r.registered_triggers as Frame[]).map((x) => x.id);
    expect(ids).toContain('http-2');
  });

  it('lists http among the trigger types', async () => {
    const { consumer } = await setup();
    const r = await consumer.call('engine::triggers::list', {});
    const row = (r.triggers as Frame[]).find((x) => x.id === 'http');
    expect(row).toMatchObject({ id: 'http', namespace: 'default', worker_name: 'iii-http' });
  });

  it('fires engine::functions-available with functions_changed when the function set changes', async () => {
    const e = await h.engine({ functionsAvailablePollMs: 50 });
    const w = await h.announced(e.url, { name: 'fa' });
    w.registerFunction('fa::listener');
    const got: Frame[] = [];
    w.serve('fa::listener', (d, inv) => {
      got.push(inv);
      return null;
    });
    w.registerTrigger('fa-1', 'engine::functions-available', 'fa::listener', null);
    await w.sync();
    await sleep(150);
    const before = got.length;
    const other = await h.announced(e.url);
    other.registerFunction('fa::newcomer');
    await other.sync();
    const deadline = Date.now() + 2000;
    let hit: Frame | undefined;
    while (!hit && Date.now() < deadline) {
      hit = got.slice(before).find((inv) => (inv.data.functions as Frame[]).some((f) => f.function_id === 'fa::newcomer'));
      if (!hit) await sleep(25);
    }
    expect(hit).toBeDefined();
    expect(hit!.data.event).toBe('functions_changed');
    expect(hit!.data).not.toHaveProperty('_caller_worker_id');
    // unfiltered: engine::* builtins are included
    expect((hit!.data.functions as Frame[]).some((f) => String(f.function_id).startsWith('engine::'))).toBe(true);
    expect(hit!.data.functions.find((f: Frame) => f.function_id === 'fa::newcomer')).toMatchObject({ namespace: 'default' });
  });

  it('does not fire engine::functions-available while the function set is unchanged', async () => {
    const e = await h.engine({ functionsAvailablePollMs: 40 });
    const w = await h.announced(e.url, { name: 'fa2' });
    w.registerFunction('fa2::listener');
    const got: Frame[] = [];
    w.serve('fa2::listener', (d) => {
      got.push(d);
      return null;
    });
    w.registerTrigger('fa2-1', 'engine::functions-available', 'fa2::listener', {});
    await w.sync();
    await sleep(200);
    const n = got.length;
    await sleep(300);
    expect(got.length).toBe(n);
  });

  it('stops firing engine::functions-available after unregistertrigger', async () => {
    const e = await h.engine({ functionsAvailablePollMs: 40 });
    const w = await h.announced(e.url, { name: 'fa3' });
    w.registerFunction('fa3::listener');
    const got: Frame[] = [];
    w.serve('fa3::listener', (d) => {
      got.push(d);
      return null;
    });
    w.registerTrigger('fa3-1', 'engine::functions-available', 'fa3::listener', {});
    await w.sync();
    w.unregisterTrigger('fa3-1');
    await w.sync();
    await sleep(100);
    const n = got.length;
    const other = await h.announced(e.url);
    other.registerFunction('fa3::newcomer');
    await other.sync();
    await sleep(300);
    expect(got.length).toBe(n);
  });

  it('invokes in-process trigger fires with an engine-generated id and the binding metadata', async () => {
    const e = await h.engine();
    const w = await h.announced(e.url, { name: 'wa' });
    w.registerFunction('wa::listener');
    w.registerTrigger('wa-1', 'engine::workers-available', 'wa::listener', {}, { metadata: { tag: 'm' } });
    await w.sync();
    const x = await h.worker(e.url);
    const inv = await w.nextInvoke('wa::listener', 2000, (f) => f.data?.worker_id === x.workerId);
    expect(inv.invocation_id).toMatch(UUID_RE);
    expect(inv.data).toEqual({ event: 'worker_connected', worker_id: x.workerId });
    expect(inv.metadata).toEqual({ tag: 'm' });
    w.reply(inv, { result: null });
  });
});
