// A trigger type and its bindings (docs/guide.md): one worker provides `clock::tick`, another binds
// a function to it; the provider fires each binding by calling its function with a void call.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { registerWorker, TriggerAction, type III, type TriggerConfig } from 'iii-isomorphic';
import { startEngine, type RunningEngine } from 'iii-isomorphic/testing';

let engine: RunningEngine;
let provider: III;
let consumer: III;

beforeAll(async () => {
  engine = await startEngine();
  provider = registerWorker(engine.url, { workerName: 'clock' });
  consumer = registerWorker(engine.url, { workerName: 'reports' });
  await Promise.all([provider.ready(), consumer.ready()]);
});

afterAll(async () => {
  await Promise.all([provider.shutdown(), consumer.shutdown()]);
  await engine.close();
});

it('fires a bound function through its trigger type, and stops once the binding is gone', async () => {
  // #region trigger-type
  // The provider: the engine tells it of every binding to its type, wherever it was made.
  const bindings = new Map<string, TriggerConfig<{ label: string }>>();
  provider.registerTriggerType<{ label: string }>(
    { id: 'clock::tick', description: 'Fires the bound functions on demand' },
    {
      registerTrigger: (binding) => void bindings.set(binding.id, binding),
      unregisterTrigger: (binding) => void bindings.delete(binding.id),
    },
  );
  const tick = () =>
    Promise.all(
      [...bindings.values()].map(({ function_id, config }) =>
        provider.trigger({ function_id, payload: { label: config.label, at: Date.now() }, action: TriggerAction.Void() }),
      ),
    );

  // The consumer: a function, and a binding of it to the type.
  const seen: string[] = [];
  consumer.registerFunction('reports::on-tick', ({ label }: { label: string }) => void seen.push(label));
  const trigger = consumer.registerTrigger({ type: 'clock::tick', function_id: 'reports::on-tick', config: { label: 'nightly' } });
  // #endregion trigger-type

  await expect.poll(() => bindings.size).toBe(1);
  await tick();
  await expect.poll(() => seen).toEqual(['nightly']);

  trigger.unregister();
  await expect.poll(() => bindings.size).toBe(0);
  await tick();
  expect(seen).toEqual(['nightly']);
});
