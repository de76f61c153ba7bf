/**
 * Interop: our worker and an official `iii-sdk` 0.22.1 worker, through the reference engine,
 * call each other's functions and bind triggers to each other's trigger types.
 * The official SDK's telemetry is off (`otel.enabled: false`, no metrics reporting), so it opens
 * no `/otel` socket.
 */
import { registerWorker as registerOfficial, TriggerAction as OfficialAction, type IIIClient } from 'iii-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { TriggerAction, type TriggerConfig } from '../../platform/node/index.js';
import { cleanup, engine, registered, uniqueName, waitFor, within, worker } from './helpers.js';

const officials: IIIClient[] = [];

afterEach(async () => {
  await Promise.all(officials.splice(0).map((c) => within(c.shutdown(), 3000, 'official shutdown').catch(() => undefined)));
  await cleanup();
});

function official(url: string): IIIClient {
  const c = registerOfficial(url, {
    workerName: uniqueName('official'),
    otel: { enabled: false },
    enableMetricsReporting: false,
    invocationTimeoutMs: 5000,
    reconnectionConfig: { maxRetries: 0 },
  });
  officials.push(c);
  return c;
}

describe('interop with the official iii-sdk 0.22.1', () => {
  it('our worker calls a function of the official worker, and the official worker calls ours', async () => {
    const e = await engine();
    const theirs = official(e.url);
    const ours = worker(e.url);
    theirs.registerFunction('theirs::greet', async (input: { name: string }) => ({ message: `Hello, ${input.name}!` }));
    ours.registerFunction('ours::add', (d: { a: number; b: number }, metadata) => ({ sum: d.a + d.b, metadata }));
    await registered(ours, 'theirs::greet');
    await registered(ours, 'ours::add');
    expect(await within(ours.trigger({ function_id: 'theirs::greet', payload: { name: 'iii' } }), 5000)).toEqual({ message: 'Hello, iii!' });
    const result = await within(theirs.trigger({ function_id: 'ours::add', payload: { a: 2, b: 40 } }), 5000);
    expect(result).toEqual({ sum: 42 });
  });

  it('errors cross over: the official worker sees our invocation_failed, we see theirs as IIIInvocationError', async () => {
    const e = await engine();
    const theirs = official(e.url);
    const ours = worker(e.url);
    theirs.registerFunction('theirs::fail', async () => {
      throw new Error('theirs broke');
    });
    ours.registerFunction('ours::fail', () => {
      throw new Error('ours broke');
    });
    await registered(ours, 'theirs::fail');
    await registered(ours, 'ours::fail');
    const e1 = await ours.trigger({ function_id: 'theirs::fail', payload: {} }).catch((x: unknown) => x);
    expect(e1).toMatchObject({ code: 'invocation_failed', message: 'invocation_failed: theirs broke' });
    const e2 = await theirs.trigger({ function_id: 'ours::fail', payload: {} }).catch((x: unknown) => x);
    expect(e2).toMatchObject({ code: 'invocation_failed' });
    expect(String((e2 as Error).message)).toContain('ours broke');
  });

  it('void calls both ways', async () => {
    const e = await engine();
    const theirs = official(e.url);
    const ours = worker(e.url);
    const theirsGot: unknown[] = [];
    const oursGot: unknown[] = [];
    theirs.registerFunction('theirs::sink', async (d: unknown) => void theirsGot.push(d));
    ours.registerFunction('ours::sink', (d) => void oursGot.push(d));
    await registered(ours, 'theirs::sink');
    await registered(ours, 'ours::sink');
    await ours.trigger({ function_id: 'theirs::sink', payload: { from: 'ours' }, action: TriggerAction.Void() });
    await theirs.trigger({ function_id: 'ours::sink', payload: { from: 'theirs' }, action: OfficialAction.Void() });
    await waitFor(() => theirsGot.length === 1 && oursGot.length === 1, 5000, 'void deliveries');
    expect(theirsGot[0]).toMatchObject({ from: 'ours' });
    expect(oursGot[0]).toMatchObject({ from: 'theirs' });
  });

  it('the official worker binds a trigger to our trigger type; we fire it', async () => {
    const e = await engine();
    const ours = worker(e.url);
    const theirs = official(e.url);
    const live = new Map<string, TriggerConfig>();
    ours.registerTriggerType(
      { id: 'ours::ticker', description: 'ticks on demand' },
      {
        registerTrigger: (b) => void live.set(b.id, b),
        unregisterTrigger: (b) => void live.delete(b.id),
      },
    );
    await ours.ready();
    const fired: unknown[] = [];
    theirs.registerFunction('theirs::on_tick', async (d: unknown) => void fired.push(d));
    theirs.registerTrigger({ type: 'ours::ticker', function_id: 'theirs::on_tick', config: { every: 'now' } });
    const binding = await waitFor(() => [...live.values()][0], 5000, 'binding from the official worker');
    expect(binding).toMatchObject({ function_id: 'theirs::on_tick', config: { every: 'now' } });
    await ours.trigger({ function_id: binding.function_id, payload: { tick: 1 }, action: TriggerAction.Void() });
    await waitFor(() => fired.length === 1, 5000, 'fired into the official worker');
    expect(fired[0]).toMatchObject({ tick: 1 });
    await theirs.shutdown();
    await waitFor(() => live.size === 0, 5000, 'binding removed when the official worker left');
  });

  it('our worker binds a trigger to the official trigger type; it fires into our function', async () => {
    const e = await engine();
    const theirs = official(e.url);
    const ours = worker(e.url);
    const bindings: Array<{ id: string; function_id: string; config: unknown }> = [];
    theirs.registerTriggerType<{ label: string }>(
      { id: 'theirs::hook', description: 'official provider' },
      {
        async registerTrigger(b) {
          bindings.push(b);
        },
        async unregisterTrigger() {},
      },
    );
    const fired: unknown[] = [];
    ours.registerFunction('ours::on_hook', (d) => void fired.push(d));
    // Bind before the provider is surely there: the engine parks it until then (§3.7).
    const t = ours.registerTrigger({ type: 'theirs::hook', function_id: 'ours::on_hook', config: { label: 'x' } });
    await waitFor(() => bindings.length === 1, 5000, 'binding delivered to the official provider');
    expect(bindings[0]).toMatchObject({ id: t.id, function_id: 'ours::on_hook', config: { label: 'x' } });
    await theirs.trigger({ function_id: 'ours::on_hook', payload: { hook: true }, action: OfficialAction.Void() });
    await waitFor(() => fired.length === 1, 5000, 'fired into our function');
    expect(t.error).toBeUndefined();
  });
});
