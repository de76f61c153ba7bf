/**
 * Trigger types across the language boundary: a type provided by a Python worker and bound by
 * this SDK, and a type provided by this SDK and bound by Python. The provider sees the binding
 * (id, function, config, metadata), fires it by calling the bound function, sees it go away on
 * unregister, and can refuse it (protocol.md §3.7).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IIIInvocationError, type III, type JsonValue, type TriggerConfig } from '../../platform/node/index.js';
import { callPython, cleanup, engineUnderTest, listed, sdkAtLeast, startPython, tsWorker, unique, waitFor, within, type PythonPeer } from './harness.js';

let ts: III;
let py: PythonPeer;
const onTick = unique('ts::on_tick');
const ticks: Array<{ data: any; metadata: unknown }> = [];

beforeAll(async () => {
  const engine = await engineUnderTest();
  ts = tsWorker(engine.url);
  ts.registerFunction(onTick, (data: any, metadata) => {
    ticks.push({ data, metadata });
    return { seen_by: 'node', tag: data.tag };
  });
  py = await startPython(engine.url);
  await ts.ready();
  await listed(ts, [onTick, py.fn('fire'), py.fn('bind')]);
});

afterAll(cleanup);

interface PyBindings {
  bindings: Array<{ id: string; function_id: string; config: unknown; metadata: unknown }>;
  unregistered: string[];
}

describe('a trigger type provided by Python, bound from this SDK', () => {
  it('Python gets the binding with its config and metadata, fires it into this SDK, and hears the unregister', async () => {
    const tag = unique('tick');
    const trigger = ts.registerTrigger({ type: `${py.prefix}-ticker`, function_id: onTick, config: { every: 's', tag }, metadata: { owner: 'node' } });
    const binding = await waitFor(async () => {
      const b = await callPython<PyBindings>(ts, py, 'ticker_bindings', {});
      return b.bindings.find((x) => x.id === trigger.id);
    }, 10_000, 'Python provider got the binding');
    expect(binding).toEqual({ id: trigger.id, function_id: onTick, config: { every: 's', tag }, metadata: { owner: 'node' } });

    const fired = await callPython<{ results: unknown[] }>(ts, py, 'fire', { tag });
    expect(fired.results).toEqual([{ ok: true, result: { seen_by: 'node', tag } }]);
    expect(ticks.find((t) => t.data.tag === tag)).toMatchObject({
      data: { tag, config: { every: 's', tag }, from: 'python-ticker' },
      metadata: { owner: 'node' },
    });

    trigger.unregister();
    await waitFor(async () => {
      const b = await callPython<PyBindings>(ts, py, 'ticker_bindings', {});
      return b.unregistered.includes(trigger.id) && !b.bindings.some((x) => x.id === trigger.id);
    }, 10_000, 'Python provider heard the unregister');
    expect(trigger.error).toBeUndefined();
  });

  it('a binding the Python provider refuses reaches the Trigger handle as trigger_registration_failed with its message', async () => {
    const trigger = ts.registerTrigger({ type: `${py.prefix}-ticker`, function_id: onTick, config: { refuse: 'ticker wants an interval' } });
    const error = await waitFor(() => trigger.error, 10_000, 'the refusal on the Trigger handle');
    expect(error).toBeInstanceOf(IIIInvocationError);
    expect(error.code).toBe('trigger_registration_failed');
    expect(error.message).toContain('ticker wants an interval');
  });

  it('the engine lists the Python trigger type and the binding from this SDK', async () => {
    const trigger = ts.registerTrigger({ type: `${py.prefix}-ticker`, function_id: onTick, config: { listed: true } });
    const info = await waitFor(async () => (await ts.listTriggers()).find((t) => t.id === trigger.id), 10_000, 'binding listed');
    expect(info).toMatchObject({ trigger_type: `${py.prefix}-ticker`, function_id: onTick, config: { listed: true } });
    trigger.unregister();
  });
});

describe('a trigger type provided by this SDK, bound from Python', () => {
  it('this SDK gets the binding from Python, fires it into Python, and hears the unregister', async () => {
    const type = unique('ts-ticker');
    const bound: TriggerConfig<any>[] = [];
    const gone: string[] = [];
    ts.registerTriggerType({ id: type, description: 'ticks on request' }, {
      registerTrigger: (b) => void bound.push(b as TriggerConfig<any>),
      unregisterTrigger: (b) => void gone.push(b.id),
    });
    const tag = unique('tick');
    const key = unique('binding');
    await within(callPython(ts, py, 'bind', { key, type, function_id: py.fn('on_tick'), config: { tag, every: 'm' }, metadata: { owner: 'python' } }), 15_000, 'bind');
    const binding = await waitFor(() => bound.find((b) => b.config?.tag === tag), 10_000, 'binding from Python');
    expect(binding).toMatchObject({ function_id: py.fn('on_tick'), config: { tag, every: 'm' }, metadata: { owner: 'python' } });
    expect(binding.id).toMatch(/^[0-9a-f-]{36}$/);

    // Fire it as a provider does: call the bound function, passing the binding's metadata along
    // (TriggerConfig.metadata is a Record<string, unknown>, TriggerRequest.metadata a JsonValue).
    const metadata = binding.metadata as JsonValue | undefined;
    const result = await ts.trigger({ function_id: binding.function_id, payload: { tag, n: 1 }, metadata, timeoutMs: 10_000 });
    expect(result).toEqual({ seen_by: 'python' });
    const seen = await callPython<any[]>(ts, py, 'recorded', { tag });
    expect(seen).toEqual([{ tag, tick: { tag, n: 1 }, metadata: { owner: 'python' } }]);

    await callPython(ts, py, 'unbind', { key });
    await waitFor(() => gone.includes(binding.id), 10_000, 'unregister from Python');
  });

  it('a refusal by this SDK reaches the Python worker, which logs it (its only channel for it in 0.23)', async () => {
    const type = unique('ts-picky');
    ts.registerTriggerType({ id: type }, {
      registerTrigger: () => {
        throw new Error('picky wants a cron expression');
      },
      unregisterTrigger: () => undefined,
    });
    await callPython(ts, py, 'bind', { key: unique('k'), type, function_id: py.fn('on_tick'), config: {} });
    // Python 0.23 has no handle for a refused binding; it logs the engine's triggerregistrationresult.
    await waitFor(() => /Trigger registration failed[\s\S]*picky wants a cron expression/.test(py.stderr()), 10_000, 'the refusal in the Python log');
    expect(py.stderr()).toContain(type);
  });
});

describe('the Python API for trigger types and bindings', () => {
  // iii-sdk 0.25 replaces both with observe (iii.observe, observe hooks on register_function) and
  // logs a deprecation warning, once per process, on first use; the wire frames stay the same.
  it('iii-sdk >= 0.25 logs register_trigger and register_trigger_type as deprecated; earlier releases do not', async () => {
    await callPython(ts, py, 'bind', { key: unique('k'), type: `${py.prefix}-ticker`, function_id: py.fn('on_tick'), config: {} });
    const deprecated = /register_trigger(_type)? is deprecated/;
    if (sdkAtLeast(py.sdk, '0.25.0')) {
      await waitFor(() => /register_trigger_type is deprecated/.test(py.stderr()) && /register_trigger is deprecated/.test(py.stderr()), 5000, 'both warnings');
    } else {
      expect(py.stderr()).not.toMatch(deprecated);
    }
  });
});
