/**
 * How soon a worker answers (calls/serving.ts): a handler that returns a plain value is answered
 * in the same task as its invocation arrived, without a microtask hop; one that returns a promise
 * or another thenable is answered when it settles, with the same frames as before.
 */
import { describe, expect, it } from 'vitest';
import { III } from '../../src/client.js';
import type { InitOptions } from '../../src/options.js';
import { fakePlatform, flush, type FakeTransport } from './fakes.js';

function connected(options: InitOptions = {}) {
  const fake = fakePlatform();
  const client = new III(fake.platform, 'ws://engine.test:1/', { workerName: 'unit', heartbeat: false, ...options });
  const t = fake.last();
  t.open();
  t.register('w-1', 'tok-1');
  return { ...fake, client, t };
}

const results = (t: FakeTransport) => t.frames.filter((f) => f.type === 'invocationresult');
const invoke = (t: FakeTransport, id: string, fn: string, data: unknown = { n: 1 }) =>
  t.receive({ type: 'invokefunction', invocation_id: id, function_id: fn, data });

describe('answering invocations', () => {
  it('a plain value is answered before the frame handler returns: no microtask between invoke and result', async () => {
    const { client, t } = connected();
    client.registerFunction('echo', (data: unknown) => data);
    client.registerFunction('nothing', () => undefined);
    client.registerFunction('throws', () => {
      throw Object.assign(new Error('no'), { code: 'REFUSED' });
    });
    invoke(t, '1', 'echo');
    invoke(t, '2', 'nothing');
    invoke(t, '3', 'throws');
    // Synchronously, before any promise callback could run:
    expect(results(t)).toEqual([
      { type: 'invocationresult', invocation_id: '1', function_id: 'echo', result: { n: 1 } },
      { type: 'invocationresult', invocation_id: '2', function_id: 'nothing' },
      { type: 'invocationresult', invocation_id: '3', function_id: 'throws', error: { code: 'REFUSED', message: 'no' } },
    ]);
    await client.shutdown();
  });

  it('a promise, a rejected promise and a non-promise thenable are answered once they settle', async () => {
    const { client, t } = connected();
    let release!: (v: unknown) => void;
    client.registerFunction('later', () => new Promise((r) => (release = r)));
    client.registerFunction('rejects', async () => {
      throw new Error('late failure');
    });
    client.registerFunction('thenable', () => ({ then: (ok: (v: unknown) => void) => ok('from a thenable') }));
    invoke(t, 'a', 'later');
    invoke(t, 'b', 'rejects');
    invoke(t, 'c', 'thenable');
    expect(results(t)).toEqual([]);
    await flush();
    release({ done: true });
    await flush();
    const byId = Object.fromEntries(results(t).map((r) => [r.invocation_id, r]));
    expect(byId).toEqual({
      a: { type: 'invocationresult', invocation_id: 'a', function_id: 'later', result: { done: true } },
      b: { type: 'invocationresult', invocation_id: 'b', function_id: 'rejects', error: { code: 'invocation_failed', message: 'late failure' } },
      c: { type: 'invocationresult', invocation_id: 'c', function_id: 'thenable', result: 'from a thenable' },
    });
    await client.shutdown();
  });

  it('a propagator that wraps the handler keeps the plain value synchronous and sees the delivered context', async () => {
    const seen: unknown[] = [];
    const { client, t } = connected({
      propagator: {
        inject: () => ({}),
        extract: (carrier, fn) => {
          seen.push(carrier);
          return fn();
        },
      },
    });
    client.registerFunction('traced', () => 'ok');
    t.receive({ type: 'invokefunction', invocation_id: 't', function_id: 'traced', data: null, traceparent: '00-a-b-01' });
    expect(results(t)).toEqual([{ type: 'invocationresult', invocation_id: 't', function_id: 'traced', result: 'ok' }]);
    expect(seen).toEqual([{ traceparent: '00-a-b-01', baggage: undefined }]);
    await client.shutdown();
  });
});
