/**
 * Issue 10 item 4: one oversized message must fail only its own call. Contract: `maxMessageBytes`
 * (default `DEFAULT_MAX_MESSAGE_BYTES` = 16 MiB, the engine's frame limit, protocol.md §2.1); a
 * frame over it is never sent: the call rejects at once with `PAYLOAD_TOO_LARGE`, naming both
 * sizes in bytes and pointing at channels; a handler result over it becomes a `PAYLOAD_TOO_LARGE`
 * error for its caller, and the worker logs a warning.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, engine, registered, rejection, within, worker } from '../node/helpers.js';
import { captureConsole, type ConsoleCapture } from './console.js';
import { CODE, EXPECTED_MAX_MESSAGE_BYTES, MiB, codeOf, type FaultInitOptions } from './contract.js';
import { startProxy, type Proxy } from './proxy.js';

const proxies: Proxy[] = [];
let consoleCapture: ConsoleCapture | undefined;
afterEach(async () => {
  consoleCapture?.restore();
  consoleCapture = undefined;
  await cleanup();
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});

/** Integers named in a message, thousands separators allowed (`52,428,800` or `52 428 800`). */
function numbersIn(message: string): number[] {
  return (message.replace(/(\d)[,_\u00a0\u202f ](?=\d{3}\b)/g, '$1').match(/\d+/g) ?? []).map(Number);
}

describe('item 4: oversized messages', () => {
  it('a 50 MiB payload rejects PAYLOAD_TOO_LARGE before anything is sent; 20/20 other calls in flight succeed', { timeout: 30_000 }, async () => {
    const e = await engine();
    const proxy = await startProxy(e.port);
    proxies.push(proxy);
    const server = worker(e.url);
    server.registerFunction('faults::size::slow-echo', async (d: { i: number }) => {
      await new Promise((r) => setTimeout(r, 300));
      return { i: d.i };
    });
    const caller = worker(proxy.url);
    await within(Promise.all([server.ready(), caller.ready()]), 5000, 'ready');
    await registered(caller, 'faults::size::slow-echo');
    const order: string[] = [];
    const others = Array.from({ length: 20 }, (_, i) =>
      caller.trigger({ function_id: 'faults::size::slow-echo', payload: { i }, timeoutMs: 10_000 }).then(
        (v) => {
          order.push(`call ${i}`);
          return { ok: true as const, v };
        },
        (err: unknown) => {
          order.push(`call ${i}`);
          return { ok: false as const, err };
        },
      ),
    );
    await new Promise((r) => setTimeout(r, 50));
    proxy.resetCounters();
    const big = 'x'.repeat(50 * MiB);
    const bigCall = caller.trigger({ function_id: 'faults::size::slow-echo', payload: { big }, timeoutMs: 10_000 });
    bigCall.then(
      () => order.push('big'),
      () => order.push('big'),
    );
    const err = await rejection(bigCall, 12_000);
    const bytesUpDuringBigCall = proxy.bytes.up;
    const results = await within(Promise.all(others), 12_000, 'the 20 other calls');
    const failed = results.filter((r) => !r.ok).map((r) => `${codeOf((r as { err: unknown }).err)}: ${String(((r as { err: unknown }).err as Error)?.message).slice(0, 120)}`);
    const summary = `big call: ${codeOf(err)}: ${String(err?.message).slice(0, 300)}; ${20 - failed.length}/20 others succeeded ${failed.slice(0, 3).join(' | ')}`;
    expect(codeOf(err), summary).toBe(CODE.PayloadTooLarge);
    // Both sizes, in bytes, and the way out.
    const numbers = numbersIn(String(err.message));
    expect(numbers, summary).toContain(EXPECTED_MAX_MESSAGE_BYTES);
    expect(numbers.some((n) => n >= 50 * MiB), summary).toBe(true);
    expect(String(err.message), summary).toMatch(/channel/i);
    // At once: nothing of it reached the socket, and it settled before any call already in flight.
    expect(bytesUpDuringBigCall, summary).toBeLessThan(MiB);
    expect(order[0], `settle order: ${order.join(', ')}`).toBe('big');
    expect(failed, summary).toEqual([]);
  });

  it('maxMessageBytes: a payload over a configured 1 MiB limit rejects PAYLOAD_TOO_LARGE; one under it goes through', { timeout: 20_000 }, async () => {
    const e = await engine();
    const server = worker(e.url);
    server.registerFunction('faults::size::len', (d: { s: string }) => d.s.length);
    const options: FaultInitOptions = { maxMessageBytes: MiB };
    const caller = worker(e.url, options);
    await within(Promise.all([server.ready(), caller.ready()]), 5000, 'ready');
    await registered(caller, 'faults::size::len');
    expect(await within(caller.trigger({ function_id: 'faults::size::len', payload: { s: 'y'.repeat(512 * 1024) } }), 5000)).toBe(512 * 1024);
    const err = await rejection(caller.trigger({ function_id: 'faults::size::len', payload: { s: 'y'.repeat(2 * MiB) }, timeoutMs: 5000 }), 8000);
    expect(codeOf(err), String(err?.message)).toBe(CODE.PayloadTooLarge);
    expect(numbersIn(String(err.message)), String(err.message)).toContain(MiB);
  });

  it("a handler's result over the limit: its caller gets PAYLOAD_TOO_LARGE, the worker logs a warning, its other calls succeed", { timeout: 30_000 }, async () => {
    consoleCapture = captureConsole();
    const e = await engine();
    const server = worker(e.url, { logLevel: 'warn' });
    server.registerFunction('faults::size::huge-result', () => 'z'.repeat(20 * MiB));
    server.registerFunction('faults::size::slow-echo', async (d: { i: number }) => {
      await new Promise((r) => setTimeout(r, 300));
      return { i: d.i };
    });
    const caller = worker(e.url);
    await within(Promise.all([server.ready(), caller.ready()]), 5000, 'ready');
    await registered(caller, 'faults::size::huge-result');
    await registered(caller, 'faults::size::slow-echo');
    const others = Array.from({ length: 5 }, (_, i) => caller.trigger({ function_id: 'faults::size::slow-echo', payload: { i }, timeoutMs: 10_000 }).then(() => 'ok', (x: unknown) => String(codeOf(x))));
    await new Promise((r) => setTimeout(r, 50));
    const err = await rejection(caller.trigger({ function_id: 'faults::size::huge-result', payload: {}, timeoutMs: 10_000 }), 12_000);
    const summary = `caller got ${codeOf(err)}: ${String(err?.message).slice(0, 300)}`;
    expect(codeOf(err), summary).toBe(CODE.PayloadTooLarge);
    expect(await within(Promise.all(others), 12_000, 'other calls'), 'the server worker kept its socket').toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    const warned = consoleCapture.lines.filter((l) => l.level === 'warn' && /faults::size::huge-result/.test(l.text) && /too large|PAYLOAD_TOO_LARGE/i.test(l.text));
    expect(warned.length, `the server worker's console:\n${consoleCapture.text()}`).toBeGreaterThan(0);
  });
});
