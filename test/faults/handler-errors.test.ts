/**
 * Issue 10 item 11: a handler's error keeps its own code and keeps internals home. Contract: a
 * thrown error's own string `code` reaches the caller (else `invocation_failed`); no `stacktrace`
 * leaves the worker unless `sendStackTraces: true`; the worker logs every handler failure at
 * `error` level, with the stack, through its logger.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, engine, registered, rejection, within, worker } from '../node/helpers.js';
import { captureConsole, type ConsoleCapture } from './console.js';
import { CODE, codeOf, type FaultInitOptions } from './contract.js';

let consoleCapture: ConsoleCapture | undefined;
afterEach(async () => {
  consoleCapture?.restore();
  consoleCapture = undefined;
  await cleanup();
});

class CardDeclined extends Error {
  readonly code = 'CARD_DECLINED';
}

async function setup(serverOptions: FaultInitOptions = {}) {
  const e = await engine();
  const server = worker(e.url, serverOptions);
  // The handlers' names can only show up in a stack trace: they are the marker of a leaked stack.
  server.registerFunction('faults::err::coded', function handlerInternalsMarker() {
    throw new CardDeclined('card declined');
  });
  server.registerFunction('faults::err::plain', function plainHandlerMarker() {
    throw new Error('plain failure');
  });
  server.registerFunction('faults::err::numeric-code', () => {
    throw Object.assign(new Error('numeric code'), { code: 42 });
  });
  const caller = worker(e.url);
  await within(Promise.all([server.ready(), caller.ready()]), 5000, 'ready');
  await registered(caller, 'faults::err::coded');
  return { server, caller };
}

describe('item 11: handler errors', () => {
  it("a thrown error's own string code reaches the caller, with its message", { timeout: 15_000 }, async () => {
    const { caller } = await setup();
    const err = await rejection(caller.trigger({ function_id: 'faults::err::coded', payload: {} }), 5000);
    expect(codeOf(err), String(err?.message)).toBe('CARD_DECLINED');
    expect(String(err.message)).toContain('card declined');
    // A code that is not a string stays invocation_failed.
    const numeric = await rejection(caller.trigger({ function_id: 'faults::err::numeric-code', payload: {} }), 5000);
    expect(codeOf(numeric)).toBe(CODE.InvocationFailed);
  });

  it('an IIIInvocationError re-thrown by a handler reaches its caller as it was, code not repeated', { timeout: 15_000 }, async () => {
    const { server, caller } = await setup();
    // A handler that calls another function and lets its failure through.
    server.registerFunction('faults::err::relay', () => server.trigger({ function_id: 'faults::err::coded', payload: {} }));
    await registered(caller, 'faults::err::relay');
    const err = await rejection(caller.trigger({ function_id: 'faults::err::relay', payload: {} }), 5000);
    expect(codeOf(err)).toBe('CARD_DECLINED');
    expect(err.message).toBe('CARD_DECLINED: card declined');
  });

  it('by default no stack trace reaches the caller', { timeout: 15_000 }, async () => {
    const { caller } = await setup();
    for (const id of ['faults::err::coded', 'faults::err::plain']) {
      const err = await rejection(caller.trigger({ function_id: id, payload: {} }), 5000);
      const seen = `${String(err.message)}\n${String(err.stacktrace ?? '')}`;
      expect(err.stacktrace, `${id}: the caller received the worker's stack trace:\n${String(err.stacktrace).slice(0, 300)}`).toBeUndefined();
      expect(seen).not.toMatch(/handlerInternalsMarker|plainHandlerMarker|\n\s+at /);
    }
  });

  it('sendStackTraces: true sends the stack trace', { timeout: 15_000 }, async () => {
    const options: FaultInitOptions = { sendStackTraces: true };
    const { caller } = await setup(options);
    const err = await rejection(caller.trigger({ function_id: 'faults::err::coded', payload: {} }), 5000);
    expect(String(err.stacktrace ?? '')).toMatch(/handlerInternalsMarker/);
  });

  it('the worker logs each handler failure at error level, with the stack', { timeout: 15_000 }, async () => {
    consoleCapture = captureConsole();
    const { caller } = await setup({ logLevel: 'error' });
    await rejection(caller.trigger({ function_id: 'faults::err::coded', payload: {} }), 5000);
    await rejection(caller.trigger({ function_id: 'faults::err::plain', payload: {} }), 5000);
    const errors = consoleCapture.lines.filter((l) => l.level === 'error');
    const text = consoleCapture.text() || '(nothing on the console)';
    expect(errors.filter((l) => l.text.includes('faults::err::coded') && l.text.includes('card declined')).length, text).toBeGreaterThan(0);
    expect(errors.filter((l) => l.text.includes('faults::err::plain')).length, text).toBeGreaterThan(0);
    expect(errors.some((l) => /handlerInternalsMarker/.test(l.text)), `the stack is logged on the worker:\n${text}`).toBe(true);
  });
});
