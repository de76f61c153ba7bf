/**
 * Issue 10 item 2 without an engine restart: a call that provably never reached a handler (the
 * engine answered `function_not_found`) waits for its function until its own timeout
 * (issue 10's `retryUndelivered`, default true); if the function never comes, it rejects at
 * its timeout with `function_not_found` and a message that says the function never became
 * available. With `retryUndelivered: false` (client or call) it rejects at once, as today.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, engine, rejection, within, worker } from '../node/helpers.js';
import { CODE, codeOf, triggerWith, type FaultInitOptions } from './contract.js';

afterEach(cleanup);

describe('item 2: undelivered calls wait for their function', () => {
  it('a call made before the worker that owns the function has registered succeeds once it has', { timeout: 20_000 }, async () => {
    const e = await engine();
    const caller = worker(e.url);
    await within(caller.ready(), 5000, 'caller ready');
    const call = caller.trigger({ function_id: 'faults::late::echo', payload: { q: 1 }, timeoutMs: 8000 }).then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    await new Promise((r) => setTimeout(r, 500));
    const owner = worker(e.url);
    owner.registerFunction('faults::late::echo', (d: { q: number }) => ({ q: d.q }));
    await within(owner.ready(), 5000, 'owner ready');
    const out = await within(call, 10_000, 'the early call');
    const what = out.ok ? 'resolved' : `rejected ${codeOf(out.error)}: ${(out.error as Error).message}`;
    expect(out.ok, what).toBe(true);
    expect((out as { value?: unknown }).value).toEqual({ q: 1 });
  });

  it('a function that never comes: rejects function_not_found at the call timeout, saying it never became available', { timeout: 20_000 }, async () => {
    const e = await engine();
    const caller = worker(e.url);
    await within(caller.ready(), 5000, 'caller ready');
    const started = Date.now();
    const err = await rejection(caller.trigger({ function_id: 'faults::never::there', payload: {}, timeoutMs: 1500 }), 6000);
    const ms = Date.now() - started;
    const what = `${codeOf(err)} after ${ms} ms: ${err?.message}`;
    expect(codeOf(err), what).toBe(CODE.FunctionNotFound);
    expect(ms, `${what} (it must have waited for the function until its timeout)`).toBeGreaterThanOrEqual(1400);
    expect(String(err.message), what).toMatch(/never became available/i);
    expect(String(err.message), what).toMatch(/1500/);
  });

  it('retryUndelivered: false (client or call) rejects function_not_found at once, as before', { timeout: 20_000 }, async () => {
    const e = await engine();
    const options: FaultInitOptions = { retryUndelivered: false };
    const noRetry = worker(e.url, options);
    const perCall = worker(e.url);
    await within(Promise.all([noRetry.ready(), perCall.ready()]), 5000, 'ready');
    for (const [who, call] of [
      ['client option', () => noRetry.trigger({ function_id: 'faults::never::there', payload: {}, timeoutMs: 8000 })],
      ['per-call option', () => triggerWith(perCall, { function_id: 'faults::never::there', payload: {}, timeoutMs: 8000, retryUndelivered: false })],
    ] as const) {
      const started = Date.now();
      const err = await rejection(call(), 3000);
      expect(codeOf(err), `${who}: ${err?.message}`).toBe(CODE.FunctionNotFound);
      expect(Date.now() - started, who).toBeLessThan(3000);
    }
  });
});
