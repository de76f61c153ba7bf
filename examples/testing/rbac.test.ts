// An RBAC listener in a test (docs/testing.md): the auth function is served by a worker on the
// trusted listener, and a client of the RBAC listener may call only what the listener exposes.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { IIIForbiddenError, registerWorker, type III } from 'iii-isomorphic';
import { startEngine, type RunningEngine } from 'iii-isomorphic/testing';

let engine: RunningEngine;
let backend: III;
let client: III;

beforeAll(async () => {
  engine = await startEngine({
    listeners: [{}, { rbac: { auth_function_id: 'test::auth', expose_functions: ['match("orders::*")'] } }],
  });
  backend = registerWorker(engine.url, { workerName: 'backend' }); // the trusted listener
  backend.registerFunction('test::auth', ({ query_params }: { query_params: Record<string, string[]> }) => {
    if (query_params.token?.[0] !== 'secret') throw new Error('invalid token');
    return { context: { user: 'test' } };
  });
  backend.registerFunction('orders::count', () => ({ count: 3 }));
  backend.registerFunction('admin::reset', () => ({ reset: true }));
  await backend.ready();
  client = registerWorker(`${engine.rbacUrl}?token=secret`, { workerName: 'client' });
  await client.ready();
});

afterAll(async () => {
  await Promise.all([client.shutdown(), backend.shutdown()]);
  await engine.close();
});

it('lets an RBAC client call what the listener exposes, and nothing else', async () => {
  await expect(client.trigger({ function_id: 'orders::count', payload: {} })).resolves.toEqual({ count: 3 });
  await expect(client.trigger({ function_id: 'admin::reset', payload: {} })).rejects.toBeInstanceOf(IIIForbiddenError);
});
