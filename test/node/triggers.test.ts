/**
 * registerTrigger, registerTriggerType, unregisterTriggerType, listTriggers and
 * onFunctionsAvailable against the reference engine.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TriggerAction, type IIIInvocationError, type TriggerConfig } from '../../platform/node/index.js';
import { externalEngine } from '../external-engine.js';
import { cleanup, engine, registered, waitFor, within, worker } from './helpers.js';

afterEach(cleanup);

/** A provider whose handler records bindings and can fire them (void, §3.7 "Firing"). */
function recordingHandler() {
  const live = new Map<string, TriggerConfig<{ tag?: string; bad?: boolean } | null>>();
  const log: string[] = [];
  return {
    live,
    log,
    handler: {
      registerTrigger(b: TriggerConfig<{ tag?: string; bad?: boolean } | null>) {
        if (b.config?.bad) throw new Error('bad config');
        live.set(b.id, b);
        log.push(`+${b.id}`);
      },
      unregisterTrigger(b: TriggerConfig<unknown>) {
        live.delete(b.id);
        log.push(`-${b.id}`);
      },
    },
  };
}

describe('registerTrigger', () => {
  it('binds to a built-in type: listTriggers shows it with config; unregister() removes it', async () => {
    const e = await engine();
    const a = worker(e.url);
    a.registerFunction('api::hello', () => ({ status_code: 200 }));
    const t = a.registerTrigger({ type: 'http', function_id: 'api::hello', config: { api_path: 'hello', http_method: 'GET' } });
    expect(t.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const info = await waitFor(async () => (await a.listTriggers()).find((x) => x.id === t.id), 3000, 'binding listed');
    expect(info).toMatchObject({ trigger_type: 'http', function_id: 'api::hello', config: { api_path: 'hello', http_method: 'GET' } });
    t.unregister();
    await waitFor(async () => !(await a.listTriggers()).some((x) => x.id === t.id), 3000, 'binding removed');
  });

  it('a triggerregistrationresult error is visible on the Trigger handle and as a trigger-failed event', async () => {
    const e = await engine();
    const a = worker(e.url);
    a.registerFunction('api::bad', () => null);
    const events: Array<{ id: string; error: IIIInvocationError }> = [];
    a.on('trigger-failed', (ev) => events.push(ev));
    const errors: IIIInvocationError[] = [];
    const t = a.registerTrigger({ type: 'http', function_id: 'api::bad', config: {} });
    t.onError((err) => errors.push(err));
    const err = await waitFor(() => t.error, 3000, 'trigger error');
    expect(err.code).toBe('trigger_registration_failed');
    expect(errors).toEqual([err]);
    expect(events).toMatchObject([{ id: t.id, error: err }]);
  });
});

describe('registerTriggerType', () => {
  it('the provider receives bindings with config and metadata, fires them, and sees them go when the consumer leaves', async () => {
    const e = await engine();
    const provider = worker(e.url);
    const consumer = worker(e.url);
    const rec = recordingHandler();
    provider.registerTriggerType({ id: 'webhook', description: 'test hook' }, rec.handler);
    const got: unknown[] = [];
    consumer.registerFunction('c::on_hook', (d) => void got.push(d));
    await provider.ready();
    const t = consumer.registerTrigger({ type: 'webhook', function_id: 'c::on_hook', config: { tag: 'x' }, metadata: { source: 'a' } });
    const binding = await waitFor(() => rec.live.get(t.id), 3000, 'binding delivered');
    expect(binding).toMatchObject({ id: t.id, function_id: 'c::on_hook', config: { tag: 'x' }, metadata: { source: 'a' } });
    // The provider fires: void-invokes the bound function.
    await provider.trigger({ function_id: binding.function_id, payload: { n: 1 }, action: TriggerAction.Void() });
    await waitFor(() => got.length === 1, 3000, 'fired');
    expect(got[0]).toMatchObject({ n: 1 });
    await within(consumer.shutdown(), 3000);
    await waitFor(() => rec.log.includes(`-${t.id}`), 3000, 'unregistered on consumer disconnect');
  });

  it('a handler that throws refuses the binding: the consumer gets trigger_registration_failed', async () => {
    const e = await engine();
    const provider = worker(e.url);
    const consumer = worker(e.url);
    const rec = recordingHandler();
    provider.registerTriggerType({ id: 'picky', description: '' }, rec.handler);
    await provider.ready();
    consumer.registerFunction('c::f', () => null);
    const t = consumer.registerTrigger({ type: 'picky', function_id: 'c::f', config: { bad: true } });
    const err = await waitFor(() => t.error, 3000, 'refusal forwarded');
    expect(err).toMatchObject({ code: 'trigger_registration_failed', message: 'trigger_registration_failed: bad config' });
  });

  it('TriggerTypeRef.registerFunction registers and binds in one call', async () => {
    const e = await engine();
    const provider = worker(e.url);
    const rec = recordingHandler();
    const type = provider.registerTriggerType({ id: 'self', description: '' }, rec.handler);
    const ref = type.registerFunction('self::f', () => 'hi', { tag: 'y' });
    const binding = await waitFor(() => [...rec.live.values()].find((b) => b.function_id === 'self::f'), 3000, 'self binding');
    expect(binding.config).toEqual({ tag: 'y' });
    ref.unregister();
    await waitFor(() => rec.live.size === 0, 3000, 'self binding removed');
  });

  it('a binding made before the provider exists is delivered when it registers; after a provider restart it comes back with the same id', async () => {
    const e = await engine();
    const consumer = worker(e.url);
    consumer.registerFunction('c::late', () => null);
    const t = consumer.registerTrigger({ type: 'late', function_id: 'c::late', config: { tag: 'z' } });
    await consumer.ready();
    const rec1 = recordingHandler();
    const p1 = worker(e.url);
    p1.registerTriggerType({ id: 'late', description: '' }, rec1.handler);
    await waitFor(() => rec1.live.has(t.id), 3000, 'parked binding delivered');
    await p1.shutdown();
    const rec2 = recordingHandler();
    const p2 = worker(e.url);
    p2.registerTriggerType({ id: 'late', description: '' }, rec2.handler);
    await waitFor(() => rec2.live.has(t.id), 3000, 'binding re-delivered');
    expect(t.error).toBeUndefined();
  });

  it('unregisterTriggerType releases live bindings, refuses new ones (trigger_type_not_found) and leaves the replay set', async () => {
    const e = await engine();
    const provider = worker(e.url);
    const consumer = worker(e.url);
    const rec = recordingHandler();
    const type = provider.registerTriggerType({ id: 'gone', description: '' }, rec.handler);
    await provider.ready();
    consumer.registerFunction('c::g', () => null);
    const first = consumer.registerTrigger({ type: 'gone', function_id: 'c::g', config: null });
    await waitFor(() => rec.live.has(first.id), 3000, 'first binding');
    provider.unregisterTriggerType({ id: type.id });
    await waitFor(() => rec.log.includes(`-${first.id}`), 3000, 'released');
    const second = consumer.registerTrigger({ type: 'gone', function_id: 'c::g', config: null });
    const err = await waitFor(() => second.error, 3000, 'refused');
    expect(err.code).toBe('trigger_type_not_found');
    expect(rec.live.has(second.id)).toBe(false);
  });
});

describe('onFunctionsAvailable', () => {
  // The engine polls the function set (§3.7): 100 ms on the reference engine here, the fixed 5 s
  // of the real one on an external engine; the waits follow the poll.
  const pollMs = externalEngine ? 5000 : 100;
  it('calls back with FunctionInfo[] when the function set changes; the unsubscribe stops it', { timeout: 20000 + 4 * pollMs }, async () => {
    const e = await engine(externalEngine ? {} : { functionsAvailablePollMs: pollMs });
    const a = worker(e.url);
    const lists: string[][] = [];
    const off = a.onFunctionsAvailable((fns) => lists.push(fns.map((f) => f.function_id)));
    await a.ready();
    const b = worker(e.url);
    b.registerFunction('fresh::fn', () => null);
    await waitFor(() => lists.some((l) => l.includes('fresh::fn')), 5000 + 2 * pollMs, 'functions-available fired');
    off();
    await waitFor(async () => !(await a.listTriggers({ include_internal: true })).some((t) => t.trigger_type === 'engine::functions-available'), 3000);
    const count = lists.length;
    b.registerFunction('fresh::fn2', () => null);
    await registered(a, 'fresh::fn2');
    // Longer than a poll: a still-bound trigger would have fired by now.
    await new Promise((r) => setTimeout(r, externalEngine ? pollMs + 1000 : 3 * pollMs));
    expect(lists.length).toBe(count);
  });
});
