/**
 * Bindings delivered to a trigger-type provider are taken by code loaded on first use
 * (registration/deliveries.ts). When it cannot load (a page gone offline), the delivery is refused
 * with a clear error the originator hears of, the worker reports it, and the next delivery loads it.
 */
import { describe, expect, it, vi } from 'vitest';
import { fakePlatform, type FakeTransport } from './fakes.js';

const state = vi.hoisted(() => ({ failNext: true }));
vi.mock('../../src/registration/bindings.js', async (importOriginal) => {
  if (state.failNext) {
    state.failNext = false;
    throw new Error('Failed to fetch dynamically imported module (offline)');
  }
  return importOriginal();
});

function connect(t: FakeTransport) {
  t.open();
  t.register('w-1', 'tok-1');
  const announce = t.frames.find((f) => f.function_id === 'engine::workers::register')!;
  t.receive({ type: 'invocationresult', invocation_id: announce.invocation_id, function_id: 'engine::workers::register', result: {} });
}

describe('bindings code that fails to load', () => {
  it('refuses the delivery with trigger_registration_failed, reports it, and loads on the next delivery', async () => {
    const { III } = await import('../../src/client.js');
    const fake = fakePlatform({ console: { debug() {}, info() {}, warn() {}, error() {} } });
    const client = new III(fake.platform, 'ws://engine.test:1/', { workerName: 'unit', heartbeat: false });
    const errors: Error[] = [];
    client.on('error', (e) => errors.push(e));
    const registered: string[] = [];
    client.registerTriggerType({ id: 'tick', description: '' }, { registerTrigger: (b) => void registered.push(b.id), unregisterTrigger() {} });
    connect(fake.last());
    const acks = () => fake.last().frames.filter((f) => f.type === 'triggerregistrationresult');

    fake.last().receive({ type: 'registertrigger', id: 'b1', trigger_type: 'tick', function_id: 'f', config: null });
    await vi.waitFor(() => expect(acks()).toHaveLength(1));
    expect(acks()[0]).toMatchObject({
      id: 'b1',
      trigger_type: 'tick',
      function_id: 'f',
      // vitest wraps what the mock factory throws in a message of its own.
      error: { code: 'trigger_registration_failed', message: expect.stringMatching(/^this worker could not load its code for trigger-type bindings: .+/) },
    });
    expect(errors.map((e) => e.message)).toEqual([expect.stringMatching(/^binding b1 of trigger type "tick" refused: this worker could not load/)]);
    expect(errors[0]!.cause).toBeInstanceOf(Error);
    expect(registered).toEqual([]);

    fake.last().receive({ type: 'registertrigger', id: 'b2', trigger_type: 'tick', function_id: 'f', config: null });
    await vi.waitFor(() => expect(acks()).toHaveLength(2));
    expect(acks()[1]).toEqual({ type: 'triggerregistrationresult', id: 'b2', trigger_type: 'tick', function_id: 'f' });
    expect(registered).toEqual(['b2']);
    await client.shutdown();
  });
});
