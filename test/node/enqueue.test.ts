/**
 * `TriggerAction.Enqueue` routing (§3.6) on either engine: the engine owns the receipt and hands
 * each message to whatever provides `engine::queue::enqueue` (in production the standalone queue
 * worker; here a stand-in registered by the test, so these run on the reference engine and on an
 * external one alike). Checked: the answer without a provider, the provider's input, the receipt
 * and the error path. The queue worker itself: docs/real-engine.md, "The queue".
 */
import { afterEach, describe, expect, it } from 'vitest';
import { IIIInvocationError, TriggerAction } from '../../platform/node/index.js';
import { externalEngine } from '../external-engine.js';
import { cleanup, engine, registered, waitFor, within, worker } from './helpers.js';

const PROVIDER = 'engine::queue::enqueue';

afterEach(cleanup);

const uid = () => Math.random().toString(36).slice(2, 10);

describe('TriggerAction.Enqueue through the engine (a stand-in provider)', () => {
  it('without a provider: enqueue_error that names the provider and the fix', async (ctx) => {
    const e = await engine();
    const caller = worker(e.url);
    const listed = (await caller.listFunctions()).some((f) => f.function_id === PROVIDER);
    if (listed) ctx.skip(`${PROVIDER} is provided on this engine (a queue worker runs)`);
    const err = await within(
      caller.trigger({ function_id: `q::${uid()}`, payload: { n: 1 }, action: TriggerAction.Enqueue({ queue: 'jobs' }) }).catch((e: unknown) => e),
      5000,
      'enqueue',
    );
    expect(err).toBeInstanceOf(IIIInvocationError);
    expect(err).toMatchObject({ code: 'enqueue_error' });
    expect((err as Error).message).toContain(PROVIDER);
    expect((err as Error).message).toContain('iii worker add queue');
  });

  it("with a provider: it gets {queue, function_id, data, messageReceiptId, …} and the caller gets the engine's receipt", async () => {
    const e = await engine();
    const provider = worker(e.url);
    const namespace = `ns-${uid()}`;
    const caller = worker(e.url, { namespace });
    const inputs: Array<Record<string, unknown>> = [];
    provider.registerFunction(PROVIDER, (input: Record<string, unknown>) => {
      inputs.push(input);
      return { messageReceiptId: 'the-provider-does-not-own-the-receipt' };
    });
    await registered(caller, PROVIDER);
    const target = `q::${uid()}`;
    const inDefault = await within(
      caller.trigger({ function_id: target, payload: { order: 42 }, action: TriggerAction.Enqueue({ queue: 'jobs' }), namespace: 'default' }),
      5000,
      'enqueue in default',
    );
    const inOwn = await within(
      caller.trigger({ function_id: target, payload: [1, 2], action: TriggerAction.Enqueue({ queue: 'other' }) }),
      5000,
      'enqueue in the worker namespace',
    );
    expect(inDefault.messageReceiptId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(inOwn.messageReceiptId).not.toBe(inDefault.messageReceiptId);
    await waitFor(() => inputs.length === 2, 3000, 'both provider calls');
    // The target's existence is not checked, `data` is not augmented with _caller_worker_id, and
    // `namespace` is only sent outside `default` (§3.6 step 2).
    // `traceparent` and `baggage` are always present, possibly null (their values: the test below).
    const { traceparent, baggage, ...rest } = inputs[0]!;
    expect(rest).toEqual({ queue: 'jobs', function_id: target, data: { order: 42 }, messageReceiptId: inDefault.messageReceiptId });
    expect([traceparent === null || typeof traceparent === 'string', baggage === null || typeof baggage === 'string']).toEqual([true, true]);
    expect(Object.keys(inputs[0]!)).toEqual(expect.arrayContaining(['traceparent', 'baggage']));
    expect(inputs[1]).toMatchObject({ queue: 'other', function_id: target, data: [1, 2], messageReceiptId: inOwn.messageReceiptId, namespace });
  });

  it('a provider error reaches the caller as enqueue_error "<code>: <message>"', async () => {
    const e = await engine();
    const provider = worker(e.url);
    provider.registerFunction(PROVIDER, (input: { queue: string }) => {
      throw new Error(`queue '${input.queue}' is not defined`);
    });
    await registered(provider, PROVIDER);
    const err = await within(
      provider.trigger({ function_id: `q::${uid()}`, payload: {}, action: TriggerAction.Enqueue({ queue: 'nope' }) }).catch((e: unknown) => e),
      5000,
      'enqueue',
    );
    expect(err).toBeInstanceOf(IIIInvocationError);
    // The engine's message is the provider's "<code>: <message>"; the SDK prefixes its own code (src/errors.ts).
    expect(err).toMatchObject({ code: 'enqueue_error', message: "enqueue_error: invocation_failed: queue 'nope' is not defined" });
  });

  // A divergence (docs/real-engine.md): the real engine puts `iii.function.id=<target>` into the
  // provider's `baggage`, merged into the caller's baggage (engine/src/engine/mod.rs, Enqueue arm:
  // `queued_baggage` from `baggage_with_function_id`, workers/observability/otel.rs); the
  // reference engine sent null until it was fixed (docs/real-engine.md, divergence 4).
  it('the provider input carries baggage "iii.function.id=<target>" (§3.6 example)', async () => {
    const e = await engine();
    const provider = worker(e.url);
    const inputs: Array<{ baggage?: unknown }> = [];
    provider.registerFunction(PROVIDER, (input: { baggage?: unknown }) => void inputs.push(input));
    await registered(provider, PROVIDER);
    const target = `q::${uid()}`;
    await within(provider.trigger({ function_id: target, payload: {}, action: TriggerAction.Enqueue({ queue: 'jobs' }) }), 5000, 'enqueue');
    await waitFor(() => inputs.length === 1, 3000, 'provider call');
    expect(inputs[0]!.baggage).toBe(`iii.function.id=${target}`);
  });
});
