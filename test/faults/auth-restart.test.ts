/**
 * Issue 10 item 10: with `onAuthError: 'retry'` (the default), a refusal that the next attempt
 * may clear must not fail the calls waiting in the queue. Built on the reference engine's RBAC
 * listener, whose auth function is served by a worker on the trusted listener: that worker goes
 * away, the caller's link is cut (so it must authenticate again and is refused `AUTH_ERROR`, the
 * engine's answer while the auth function is missing, protocol.md §1.3), a call is made while it
 * is refused, and the auth worker comes back. The call must succeed within its timeout.
 * With `onAuthError: 'stop'` the same call rejects `AUTH_ERROR` (a guard).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { III } from '../../platform/node/index.js';
import { AUTH_FUNCTION_ID } from '../external-engine.js';
import { cleanup, engine, registered, uniqueName, within, worker } from '../node/helpers.js';
import { CODE, codeOf, messageChain, type FaultInitOptions } from './contract.js';
import { startProxy, type Proxy } from './proxy.js';

const proxies: Proxy[] = [];
afterEach(async () => {
  await cleanup();
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});

// The id every suite gives the RBAC listener's auth function, so that this runs against an external
// engine too (docs/real-engine.config.yaml names it).
const AUTH = AUTH_FUNCTION_ID;
const TARGET = 'faults::auth::target';

function authWorker(url: string): III {
  const w = worker(url, { workerName: uniqueName('auth') });
  w.registerFunction(AUTH, (input: { query_params?: Record<string, string[]> }) => {
    if (input?.query_params?.token?.[0] !== 'good') throw new Error('invalid token');
    return { allowed_functions: [TARGET] };
  });
  return w;
}

async function scenario(callerOptions: FaultInitOptions) {
  const e = await engine({ listeners: [{ port: 0 }, { port: 0, rbac: { auth_function_id: AUTH } }] });
  const rbacPort = e.listeners[1]!.port;
  const proxy = await startProxy(rbacPort);
  proxies.push(proxy);
  let auth = authWorker(e.url);
  const target = worker(e.url, { workerName: uniqueName('target') });
  target.registerFunction(TARGET, (d: unknown) => ({ echoed: d }));
  await within(Promise.all([auth.ready(), target.ready()]), 5000, 'trusted workers ready');
  await registered(target, AUTH);
  await registered(target, TARGET);
  const caller = worker(`${proxy.url}/?token=good`, {
    workerName: uniqueName('rbac-caller'),
    reconnect: { initialDelayMs: 100, maxDelayMs: 200, jitter: 0, minUptimeMs: 0 },
    ...callerOptions,
  });
  await within(caller.ready(), 5000, 'caller ready on the RBAC listener');
  expect(await within(caller.trigger({ function_id: TARGET, payload: 1, timeoutMs: 3000 }), 4000)).toEqual({ echoed: 1 });

  // The auth function goes away (its worker stops), then the caller must authenticate again.
  await within(auth.shutdown(), 3000, 'auth worker shutdown');
  await new Promise((r) => setTimeout(r, 100));
  let refusals = 0;
  caller.on('auth-error', () => refusals++);
  proxy.cut();
  const deadline = Date.now() + 5000;
  while (refusals === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(refusals, 'the engine refused the caller while its auth function was missing').toBeGreaterThan(0);

  // A call made while the caller is refused: it waits in the queue.
  const queuedAt = Date.now();
  const queued = caller.trigger({ function_id: TARGET, payload: 'queued', timeoutMs: 8000 }).then(
    (value) => ({ ok: true as const, value, ms: Date.now() - queuedAt }),
    (error: unknown) => ({ ok: false as const, error, ms: Date.now() - queuedAt }),
  );
  // Refused a few more times, then the auth worker is back.
  await new Promise((r) => setTimeout(r, 700));
  const refusalsWhileDown = refusals;
  auth = authWorker(e.url);
  await within(auth.ready(), 5000, 'auth worker back');
  return { queued: await within(queued, 12_000, 'the queued call'), refusalsWhileDown };
}

describe("item 10: onAuthError 'retry' keeps queued calls through a transient refusal", () => {
  it('a call queued while the auth function is gone succeeds once it is back, within its timeout', { timeout: 40_000 }, async () => {
    const { queued, refusalsWhileDown } = await scenario({});
    const what = queued.ok
      ? `resolved after ${queued.ms} ms`
      : `rejected after ${queued.ms} ms (${refusalsWhileDown} refusals while the auth function was gone): ${messageChain(queued.error)}`;
    expect(queued.ok, what).toBe(true);
    expect((queued as { value?: unknown }).value, what).toEqual({ echoed: 'queued' });
  });

  it("with onAuthError 'stop' the queued call rejects AUTH_ERROR", { timeout: 40_000 }, async () => {
    const e = await engine({ listeners: [{ port: 0 }, { port: 0, rbac: { auth_function_id: AUTH } }] });
    const caller = worker(`${e.listeners[1]!.url}/?token=good`, { onAuthError: 'stop' });
    const out = await within(
      caller.trigger({ function_id: TARGET, payload: 1, timeoutMs: 8000 }).then(
        () => 'resolved',
        (err: unknown) => codeOf(err),
      ),
      10_000,
      'the call',
    );
    expect(out).toBe(CODE.AuthError);
  });
});
