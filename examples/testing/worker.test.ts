// Testing a worker against the reference engine of iii-isomorphic/testing (docs/testing.md).
// `npx vitest run` in a project with iii-isomorphic and vitest installed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IIIInvocationError, registerWorker, type III } from 'iii-isomorphic';
import { startEngine, type RunningEngine } from 'iii-isomorphic/testing';

interface Order {
  items: Array<{ price: number; qty: number }>;
}

/** The worker under test: what your service registers. */
function startOrdersWorker(url: string): III {
  const worker = registerWorker(url, { workerName: 'orders' });
  worker.registerFunction('orders::total', ({ items }: Order) => {
    if (items.length === 0) throw new Error('an order needs at least one item');
    return { total: items.reduce((sum, item) => sum + item.price * item.qty, 0) };
  });
  return worker;
}

describe('orders worker', () => {
  let engine: RunningEngine;
  let worker: III;
  let caller: III;

  beforeAll(async () => {
    engine = await startEngine(); // 127.0.0.1, a free port: read engine.url
    worker = startOrdersWorker(engine.url);
    caller = registerWorker(engine.url, { workerName: 'test-caller' });
    await Promise.all([worker.ready(), caller.ready()]); // registrations applied
  });

  afterAll(async () => {
    await Promise.all([worker.shutdown(), caller.shutdown()]);
    await engine.close(); // frees the port, every socket and timer
  });

  it('adds up an order', async () => {
    const order: Order = { items: [{ price: 2, qty: 3 }, { price: 1, qty: 1 }] };
    await expect(caller.trigger({ function_id: 'orders::total', payload: order })).resolves.toEqual({ total: 7 });
  });

  it('refuses an empty order with the handler error', async () => {
    const call = caller.trigger({ function_id: 'orders::total', payload: { items: [] } });
    await expect(call).rejects.toBeInstanceOf(IIIInvocationError);
    await expect(call).rejects.toMatchObject({ code: 'invocation_failed', message: expect.stringContaining('at least one item') });
  });
});
