// §3.6 enqueue: the `baggage` the engine hands to the `engine::queue::enqueue` provider is the
// caller's W3C baggage with `iii.function.id` set to the enqueued function (the real engine's
// `baggage_with_function_id`), never the caller's own `iii.function.id`. The provider here is a
// stand-in registered by a raw worker, so these run against any engine.
import { describe, expect, it } from 'vitest';
import { useHarness } from './harness';
import type { Frame, RawWorker } from './raw-client';

const h = useHarness();
const PROVIDER = 'engine::queue::enqueue';

/** A provider worker and a caller; `enqueue()` returns the provider's input for one enqueue. */
async function setup(): Promise<{ enqueue(target: string, baggage?: string): Promise<Frame> }> {
  const e = await h.engine();
  const provider = await h.announced(e.url);
  provider.registerFunction(PROVIDER);
  const { calls } = provider.serve(PROVIDER, (d) => ({ messageReceiptId: d.messageReceiptId }));
  await provider.sync();
  const caller: RawWorker = await h.announced(e.url);
  return {
    async enqueue(target, baggage) {
      const before = calls.length;
      const id = crypto.randomUUID();
      const frame: Frame = { type: 'invokefunction', invocation_id: id, function_id: target, data: { n: 1 }, action: { type: 'enqueue', queue: 'jobs' } };
      if (baggage !== undefined) frame.baggage = baggage;
      caller.send(frame);
      const result = await caller.nextType('invocationresult', (f) => f.invocation_id === id);
      expect(result.error).toBeUndefined();
      expect(calls.length).toBe(before + 1);
      return calls[before]!.data as Frame;
    },
  };
}

/** The members of a baggage header, order-free (the real engine's order is its hash map's). */
const members = (baggage: unknown): string[] => (typeof baggage === 'string' ? baggage.split(',').sort() : [String(baggage)]);

describe('enqueue: the provider input carries baggage naming the enqueued function (§3.6)', () => {
  it('without baggage from the caller: "iii.function.id=<target>"', async () => {
    const s = await setup();
    const target = `q::plain-${Math.random().toString(16).slice(2, 8)}`;
    const input = await s.enqueue(target);
    expect(input.baggage).toBe(`iii.function.id=${target}`);
    expect(input.traceparent).toBeNull();
  });

  it("keeps the caller's other entries, replaces its iii.function.id, drops their properties", async () => {
    const s = await setup();
    const input = await s.enqueue('q::target', 'iii.session.id=s-9, iii.function.id=caller::fn;prop=1,user=a%20b;x');
    expect(members(input.baggage)).toEqual(['iii.function.id=q::target', 'iii.session.id=s-9', 'user=a%20b']);
  });

  it('re-encodes values and skips members that are not key=value or have an invalid key', async () => {
    const s = await setup();
    // "k=v=w" keeps "v" (the real propagator splits on every "="), "bad key" and "(x)" are not
    // tokens, "novalue" has no "=", "%ZZ" is kept as it is, "caf%C3%A9" decodes to é and is
    // percent-encoded again.
    const input = await s.enqueue('q::t', 'k=v=w,bad key=1,(x)=2,novalue,pct=%ZZ,name=caf%C3%A9');
    expect(members(input.baggage)).toEqual(['iii.function.id=q::t', 'k=v', 'name=caf%C3%A9', 'pct=%ZZ']);
  });
});
