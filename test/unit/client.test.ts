/**
 * The client over a fake transport and a fake clock: opening sequence, replay-then-flush,
 * every request settles, fatal rejections, auth policy, inbound dispatch.
 */
import * as v from 'valibot';
import { describe, expect, it, vi } from 'vitest';
import { III } from '../../src/client.js';
import { ErrorCode, IIIInvocationError, RegistrationRejectedError } from '../../src/errors.js';
import type { InitOptions } from '../../src/options.js';
import { TriggerAction } from '../../src/types.js';
import { fakePlatform, flush, type FakeTransport } from './fakes.js';

function setup(options: InitOptions = {}, address = 'ws://engine.test:1/') {
  const fake = fakePlatform();
  const client = new III(fake.platform, address, { workerName: 'unit', heartbeat: false, ...options });
  return { ...fake, client };
}

/** The announce the client sent on `t` (§1.2). */
function announceOf(t: FakeTransport) {
  const frame = t.frames.find((f) => f.type === 'invokefunction' && f.function_id === 'engine::workers::register');
  if (!frame) throw new Error('no announce sent');
  return frame;
}

/** Open the socket and complete the handshake; `accept` answers the announce as the engine does. */
function connect(t: FakeTransport, workerId = 'w-1', token = 'tok-1', accept = true) {
  t.open();
  t.register(workerId, token);
  if (accept) {
    const { invocation_id } = announceOf(t);
    t.receive({ type: 'invocationresult', invocation_id, function_id: 'engine::workers::register', result: { success: true } });
  }
}

const types = (t: FakeTransport) => t.frames.map((f) => (f.type === 'invokefunction' ? `invoke:${String(f.function_id)}` : String(f.type)));

describe('client: opening sequence', () => {
  it('announces the worker with a synchronous engine::workers::register first', () => {
    const { client, last } = setup({ workerDescription: 'd', namespace: 'ns1' });
    last().open();
    // Nothing before the engine's workerregistered (handshake.ts: a refused socket must hold no unread data).
    expect(last().sent).toEqual([]);
    last().register();
    const [announce] = last().frames;
    expect(announce).toEqual({
      type: 'invokefunction',
      invocation_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      function_id: 'engine::workers::register',
      data: { runtime: 'fake', version: expect.any(String), name: 'unit', description: 'd', os: 'fake-os', pid: 42, isolation: null, namespace: 'ns1' },
      namespace: 'default',
    });
    expect(announce).not.toHaveProperty('action');
    void client.shutdown();
  });

  it('ready() waits for the answer to the announce, not for workerregistered', async () => {
    const { client, last } = setup();
    let ready = false;
    void client.ready().then(() => (ready = true));
    connect(last(), 'w-1', 'tok-1', false);
    await flush(5);
    expect(client.connectionState).toBe('connected');
    expect(ready).toBe(false);
    const { invocation_id } = announceOf(last());
    last().receive({ type: 'invocationresult', invocation_id, function_id: 'engine::workers::register', result: { success: true } });
    await flush(5);
    expect(ready).toBe(true);
    await client.shutdown();
  });

  it("ready() also waits for the pong of the sequence's closing ping, in either order (refusals come before it)", async () => {
    for (const pongFirst of [false, true]) {
      const fake = fakePlatform({}, { autoPong: false });
      const client = new III(fake.platform, 'ws://engine.test:1/', { workerName: 'unit', heartbeat: false });
      client.registerFunction('dup::f', () => 1);
      let ready = false;
      void client.ready().then(() => (ready = true));
      const t = fake.last();
      t.open();
      t.register();
      expect(types(t)).toEqual(['invoke:engine::workers::register', 'registerfunction', 'ping']);
      const answer = () => t.receive({ type: 'invocationresult', invocation_id: announceOf(t).invocation_id, function_id: 'engine::workers::register', result: { success: true } });
      const pong = () => t.receive({ type: 'pong' });
      if (pongFirst) pong();
      else answer();
      // The real engine may refuse a registration after answering the announce (docs/real-engine.md).
      t.receive({ type: 'registrationrejected', code: 'FUNCTION_NAMESPACE_CONFLICT', namespace: 'default', function_id: 'dup::f', owner_worker_id: 'o' });
      await flush(5);
      expect(ready).toBe(false);
      if (pongFirst) answer();
      else pong();
      await flush(5);
      expect(ready).toBe(true);
      await client.shutdown();
    }
  });

  it('on reconnect: reattach, announce, trigger types, functions, triggers, then queued calls and unregisters', async () => {
    const { client, last, clock } = setup({ reconnect: { initialDelayMs: 10, jitter: 0 } });
    client.registerFunction('a::f', () => 1);
    client.registerTriggerType({ id: 'tt', description: 'x' }, { registerTrigger() {}, unregisterTrigger() {} });
    const trig = client.registerTrigger({ type: 'tt', function_id: 'a::f', config: { k: 1 } });
    const gone = client.registerTrigger({ type: 'tt', function_id: 'a::f' });
    connect(last());
    expect(types(last())).toEqual(['invoke:engine::workers::register', 'registertriggertype', 'registerfunction', 'registertrigger', 'registertrigger', 'ping']);
    last().drop();
    // While disconnected: a call, an unregister.
    const call = client.trigger({ function_id: 'b::g', payload: { n: 1 } });
    gone.unregister();
    clock.advance(10);
    connect(last(), 'w-2', 'tok-2');
    expect(types(last())).toEqual([
      'reattach',
      'invoke:engine::workers::register',
      'registertriggertype',
      'registerfunction',
      'registertrigger',
      'ping',
      'invoke:b::g',
      'unregistertrigger',
    ]);
    expect(last().frames[0]).toEqual({ type: 'reattach', previous_worker_id: 'w-1', reattach_token: 'tok-1' });
    expect(last().frames[4]).toMatchObject({ id: trig.id, config: { k: 1 } });
    const inv = last().frames[6]!;
    last().receive({ type: 'invocationresult', invocation_id: inv.invocation_id, function_id: 'b::g', result: 'ok' });
    await expect(call).resolves.toBe('ok');
    await client.shutdown();
  });

  it('queued calls that timed out before the connection are skipped, not sent', async () => {
    const { client, last, clock } = setup({ invocationTimeoutMs: 100 });
    const early = client.trigger({ function_id: 'x', payload: 1 }).catch((e: unknown) => e);
    const voided = client.trigger({ function_id: 'v', payload: 1, action: TriggerAction.Void(), timeoutMs: 100 });
    await expect(voided).resolves.toBeUndefined();
    clock.advance(150);
    // Never sent, no connection accepted yet: ENGINE_UNREACHABLE rather than a TIMEOUT that reads
    // like a slow function (issue 10 item 7; it was TIMEOUT before).
    expect(await early).toMatchObject({ code: 'ENGINE_UNREACHABLE', message: expect.stringContaining('still connecting') });
    const later = client.trigger({ function_id: 'y', payload: 2 });
    connect(last());
    expect(types(last())).toEqual(['invoke:engine::workers::register', 'ping', 'invoke:y']);
    void later.catch(() => undefined);
    await client.shutdown();
  });
});

describe('client: every request settles', () => {
  it('a call already sent on a socket that drops rejects at once with CONNECTION_LOST', async () => {
    const { client, last } = setup();
    connect(last());
    const p = client.trigger({ function_id: 'slow', payload: null });
    last().drop(1006);
    const err = await p.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IIIInvocationError);
    expect(err).toMatchObject({ code: ErrorCode.ConnectionLost, function_id: 'slow' });
    await client.shutdown();
  });

  it('data is always sent, null for undefined', () => {
    const { client, last } = setup();
    connect(last());
    void client.trigger({ function_id: 'f', payload: undefined, action: TriggerAction.Void() });
    expect(last().sent.at(-1)).toContain('"data":null');
    void client.shutdown();
  });

  it('namespace rules of §3.8', async () => {
    const { client, last } = setup({ namespace: 'orders' });
    connect(last());
    // The announce is an engine builtin too: in `default`, the worker's namespace in its data.
    expect(announceOf(last())).toMatchObject({ namespace: 'default', data: { namespace: 'orders' } });
    void client.trigger({ function_id: 'a', action: TriggerAction.Void() });
    void client.trigger({ function_id: 'engine::functions::list', payload: {}, action: TriggerAction.Void() });
    void client.trigger({ function_id: 'b', namespace: 'other', action: TriggerAction.Void() });
    const ns = last().frames.slice(2).map((f) => f.namespace); // after the announce and the ping
    expect(ns).toEqual(['orders', 'default', 'other']);
    await expect(client.trigger({ function_id: 'a', namespace: '  ' })).rejects.toMatchObject({ code: 'INVALID_NAMESPACE' });
    await client.shutdown();
  });

  it('abort rejects with signal.reason', async () => {
    const { client, last } = setup();
    connect(last());
    const ac = new AbortController();
    const p = client.trigger({ function_id: 'f', signal: ac.signal });
    ac.abort(new Error('stop'));
    await expect(p).rejects.toThrow('stop');
    await client.shutdown();
  });

  it('a payload that cannot be encoded rejects with INVALID_REQUEST', async () => {
    const { client, last } = setup();
    connect(last());
    await expect(client.trigger({ function_id: 'f', payload: { n: 1n } })).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    await client.shutdown();
  });

  it('shutdown rejects pending calls with SHUTDOWN, is idempotent and leaves no timer', async () => {
    const { client, last, clock } = setup({ heartbeat: { intervalMs: 1000, timeoutMs: 3000 } });
    connect(last());
    const p = client.trigger({ function_id: 'f' });
    const s1 = client.shutdown();
    const s2 = client[Symbol.asyncDispose]();
    await expect(p).rejects.toMatchObject({ code: 'SHUTDOWN' });
    await Promise.all([s1, s2]);
    expect(client.connectionState).toBe('disconnected');
    expect(clock.pending).toBe(0);
    expect(last().closedWith).toBeDefined();
    await expect(client.trigger({ function_id: 'f' })).rejects.toMatchObject({ code: 'SHUTDOWN' });
    await expect(client.ready()).rejects.toMatchObject({ code: 'SHUTDOWN' });
  });
});

describe('client: fatal rejections and auth', () => {
  it('WORKER_NAMESPACE_CONFLICT is fatal: failed, pending rejected, no reconnect', async () => {
    const { client, last, clock, transports } = setup();
    const ready = client.ready();
    // The engine answers a conflicting announce with the rejection and Close, never a result (§8 item 6).
    connect(last(), 'w-1', 'tok-1', false);
    const p = client.trigger({ function_id: 'f' });
    last().receive({ type: 'registrationrejected', code: 'WORKER_NAMESPACE_CONFLICT', namespace: 'default', worker_name: 'unit', owner_worker_id: 'o-1' });
    const err = await p.catch((e: unknown) => e);
    await expect(ready).rejects.toBe(err);
    expect(err).toBeInstanceOf(RegistrationRejectedError);
    expect((err as Error).message).toBe('WORKER_NAMESPACE_CONFLICT: registration rejected for worker "unit" in namespace "default" (already owned by worker o-1)');
    expect(client.connectionState).toBe('failed');
    expect(client.getFatalError()).toBe(err);
    clock.advance(120000);
    expect(transports).toHaveLength(1);
    await expect(client.ready()).rejects.toBe(err);
    await client.shutdown();
  });

  it('FUNCTION_NAMESPACE_CONFLICT is reported on the FunctionRef and as an event', async () => {
    const { client, last } = setup();
    const ref = client.registerFunction('dup::f', () => 1);
    const seen: unknown[] = [];
    ref.onRejected((e) => seen.push(e));
    const events: unknown[] = [];
    client.on('function-rejected', (e) => events.push(e));
    connect(last());
    last().receive({ type: 'registrationrejected', code: 'FUNCTION_NAMESPACE_CONFLICT', namespace: 'default', function_id: 'dup::f', owner_worker_id: 'o' });
    // Refusals are recorded as the frame arrives (registration/refusals.ts).
    await vi.waitFor(() => expect(ref.rejection).toBeInstanceOf(RegistrationRejectedError));
    expect(ref.rejection?.code).toBe('FUNCTION_NAMESPACE_CONFLICT');
    expect(seen).toEqual([ref.rejection]);
    expect(events).toEqual([ref.rejection]);
    expect(client.connectionState).toBe('connected');
    await client.shutdown();
  });

  // Until issue 10 item 10, queued calls were rejected AUTH_ERROR at the first refusal; a refusal
  // the next attempt may clear (an engine restart) now leaves them waiting up to their timeout.
  it("AUTH_ERROR with policy 'retry': event, reconnect; queued calls wait, then ENGINE_UNREACHABLE with the refusal", async () => {
    const { client, last, clock, transports } = setup({ reconnect: { initialDelayMs: 10, jitter: 0 } });
    const authErrors: Error[] = [];
    client.on('auth-error', (e) => authErrors.push(e));
    let settled: unknown;
    const p = client.trigger({ function_id: 'f', timeoutMs: 1000 }).catch((e: unknown) => (settled = e));
    last().open();
    last().receive({ type: 'error', error: { code: 'AUTH_ERROR', message: 'invalid token' } });
    await flush();
    expect(settled).toBeUndefined();
    expect(authErrors).toHaveLength(1);
    expect(client.connectionState).toBe('reconnecting');
    clock.advance(10);
    expect(transports).toHaveLength(2);
    clock.advance(990);
    const err = (await p) as { code?: string; message?: string; cause?: { message?: string } };
    expect(err).toMatchObject({ code: 'ENGINE_UNREACHABLE' });
    expect(err.message).toMatch(/AUTH_ERROR: invalid token/);
    await client.shutdown();
  });

  it("AUTH_ERROR with policy 'stop': failed with the auth error", async () => {
    const { client, last, clock, transports } = setup({ onAuthError: 'stop' });
    const ready = client.ready().catch((e: unknown) => e);
    last().open();
    last().receive({ type: 'error', error: { code: 'AUTH_ERROR', message: 'nope' } });
    expect(await ready).toMatchObject({ code: 'AUTH_ERROR' });
    expect(client.connectionState).toBe('failed');
    expect(client.getFatalError()?.code).toBe('AUTH_ERROR');
    clock.advance(100000);
    expect(transports).toHaveLength(1);
    await client.shutdown();
  });

  it('maxRetries exhausted: failed, queued calls rejected with CONNECTION_FAILED', async () => {
    const { client, last, clock } = setup({ reconnect: { maxRetries: 1, initialDelayMs: 10, jitter: 0 } });
    const p = client.trigger({ function_id: 'f' });
    last().drop(1006);
    clock.advance(10);
    last().drop(1006);
    await expect(p).rejects.toMatchObject({ code: 'CONNECTION_FAILED' });
    expect(client.connectionState).toBe('failed');
    await client.shutdown();
  });
});

describe('client: inbound frames', () => {
  it('a malformed frame becomes a protocol-error event and the worker keeps going', async () => {
    const { client, last } = setup();
    const errors: Array<{ message: string }> = [];
    client.on('protocol-error', (e) => errors.push(e));
    connect(last());
    last().receive('{"type":"invocationresult","function_id":5}');
    last().receive('not json');
    last().receive('{"type":"brand-new-type"}');
    expect(errors).toHaveLength(2);
    expect(client.connectionState).toBe('connected');
    const p = client.trigger({ function_id: 'f' });
    const inv = last().frames.at(-1)!;
    last().receive({ type: 'invocationresult', invocation_id: inv.invocation_id, function_id: 'f', result: 1 });
    await expect(p).resolves.toBe(1);
    await client.shutdown();
  });

  it('a refused worker announcement rejects ready() and is surfaced as an error event', async () => {
    const { client, last } = setup();
    const errors: Error[] = [];
    client.on('error', (e) => errors.push(e));
    const ready = client.ready();
    connect(last(), 'w-1', 'tok-1', false);
    const { invocation_id } = announceOf(last());
    last().receive({ type: 'invocationresult', invocation_id, function_id: 'engine::workers::register', error: { code: 'FORBIDDEN', message: 'namespace not allowed' } });
    // An error result nobody waits for (a late answer) is not the announce: no event.
    last().receive({ type: 'invocationresult', invocation_id: 'late', function_id: 'other', error: { code: 'x', message: 'late' } });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('worker announcement refused') });
    await expect(ready).rejects.toBe(errors[0]);
    await client.shutdown();
  });

  it('runs the handler with (data, metadata, context) and answers the result', async () => {
    const { client, last } = setup();
    const handler = vi.fn(async (data: { a: number }, metadata: unknown, _ctx: unknown) => ({ sum: data.a + 1, metadata }));
    client.registerFunction('math::inc', handler);
    connect(last());
    last().receive({
      type: 'invokefunction',
      invocation_id: 'i-1',
      function_id: 'math::inc',
      data: { a: 1, _caller_worker_id: 'c-1' },
      metadata: { tenant: 't' },
      traceparent: '00-abc-def-01',
    });
    // The handler runs asynchronously (calls/serving.ts): wait for the answer.
    await vi.waitFor(() => expect(last().frames.at(-1)).toMatchObject({ type: 'invocationresult' }));
    expect(handler.mock.calls[0]![2]).toMatchObject({ invocationId: 'i-1', callerWorkerId: 'c-1', traceparent: '00-abc-def-01' });
    expect(last().frames.at(-1)).toEqual({
      type: 'invocationresult',
      invocation_id: 'i-1',
      function_id: 'math::inc',
      result: { sum: 2, metadata: { tenant: 't' } },
    });
    await client.shutdown();
  });

  it('omits result when undefined, reports thrown errors, unknown and HTTP functions', async () => {
    const { client, last } = setup();
    client.registerFunction('u', () => undefined);
    client.registerFunction('t', () => {
      throw new Error('boom');
    });
    client.registerFunction('h', { url: 'https://example.com/x', method: 'POST', timeout_ms: 5000 });
    connect(last());
    expect(last().frames.find((f) => f.id === 'h')).toEqual({
      type: 'registerfunction',
      id: 'h',
      invocation: { url: 'https://example.com/x', method: 'POST', timeout_ms: 5000 },
    });
    for (const [id, fn] of [['1', 'u'], ['2', 't'], ['3', 'missing'], ['4', 'h']]) {
      last().receive({ type: 'invokefunction', invocation_id: id, function_id: fn, data: null });
    }
    last().receive({ type: 'invokefunction', function_id: 'u', data: null }); // no id: run, send nothing
    const replies = () => last().frames.filter((f) => f.type === 'invocationresult');
    await vi.waitFor(() => expect(replies()).toHaveLength(4));
    await flush(20);
    expect(replies()).toHaveLength(4);
    const byId = Object.fromEntries(replies().map((r) => [r.invocation_id, r]));
    expect(byId['1']).toEqual({ type: 'invocationresult', invocation_id: '1', function_id: 'u' });
    // No stack trace leaves the worker unless sendStackTraces (issue 10 item 11; it used to).
    expect(byId['2']).toEqual({ type: 'invocationresult', invocation_id: '2', function_id: 't', error: { code: 'invocation_failed', message: 'boom' } });
    expect(byId['3']).toMatchObject({ error: { code: 'function_not_found' } });
    expect(byId['4']).toMatchObject({ error: { code: 'function_not_invokable' } });
    await client.shutdown();
  });

  it('a valibot request_format validates inbound payloads before the handler runs', async () => {
    const { client, last } = setup();
    const handler = vi.fn((data: { a: number }) => data.a * 2);
    client.registerFunction('v::f', handler, { request_format: v.strictObject({ a: v.number() }) });
    connect(last());
    // The valibot → JSON Schema converter loads on first use (registration/formats.ts): ready() waits for it.
    await client.ready();
    expect(last().frames.find((f) => f.type === 'registerfunction')).toMatchObject({ request_format: { type: 'object', properties: { a: { type: 'number' } } } });
    last().receive({ type: 'invokefunction', invocation_id: 'ok', function_id: 'v::f', data: { a: 2, _caller_worker_id: 'c' } });
    last().receive({ type: 'invokefunction', invocation_id: 'bad', function_id: 'v::f', data: { a: 'x' } });
    await vi.waitFor(() => expect(last().frames.filter((f) => f.type === 'invocationresult')).toHaveLength(2));
    const replies = Object.fromEntries(last().frames.filter((f) => f.type === 'invocationresult').map((r) => [r.invocation_id, r]));
    expect(replies.ok).toMatchObject({ result: 4 });
    expect(replies.bad).toMatchObject({ error: { code: 'VALIDATION_FAILED', message: expect.stringContaining('a:') } });
    expect(handler).toHaveBeenCalledTimes(1);
    await client.shutdown();
  });

  it('trigger type provider: acks, refuses on throw, unknown type, remembers bindings', async () => {
    const { client, last } = setup();
    const registered: unknown[] = [];
    const unregistered: unknown[] = [];
    client.registerTriggerType(
      { id: 'tick', description: 'ticks' },
      {
        registerTrigger(b) {
          if ((b.config as { bad?: boolean } | null)?.bad) throw new Error('bad config');
          registered.push(b);
        },
        unregisterTrigger(b) {
          unregistered.push(b);
        },
      },
    );
    connect(last());
    last().receive({ type: 'registertrigger', id: 'b1', trigger_type: 'tick', function_id: 'c::f', config: { every: 1 }, metadata: { m: 1 } });
    last().receive({ type: 'registertrigger', id: 'b2', trigger_type: 'tick', function_id: 'c::f', config: { bad: true } });
    last().receive({ type: 'registertrigger', id: 'b3', trigger_type: 'nope', function_id: 'c::f', config: null });
    // The provider's handler runs asynchronously (registration/bindings.ts): wait for the acks.
    const acked = () => last().frames.filter((f) => f.type === 'triggerregistrationresult');
    await vi.waitFor(() => expect(acked()).toHaveLength(3));
    const acks = Object.fromEntries(last().frames.filter((f) => f.type === 'triggerregistrationresult').map((r) => [r.id, r]));
    expect(acks.b1).toEqual({ type: 'triggerregistrationresult', id: 'b1', trigger_type: 'tick', function_id: 'c::f' });
    expect(acks.b2).toMatchObject({ error: { code: 'trigger_registration_failed', message: 'bad config' } });
    expect(acks.b3).toMatchObject({ error: { code: 'trigger_type_not_found' } });
    last().receive({ type: 'unregistertrigger', id: 'b1', trigger_type: 'tick' });
    await vi.waitFor(() => expect(unregistered).toHaveLength(1));
    expect(unregistered).toEqual([{ id: 'b1', function_id: 'c::f', config: { every: 1 }, metadata: { m: 1 } }]);
    await client.shutdown();
  });

  it('unregisterTriggerType releases live bindings, then refuses new ones and is not replayed', async () => {
    const { client, last, clock } = setup({ reconnect: { initialDelayMs: 10, jitter: 0 } });
    const unregistered: string[] = [];
    const ref = client.registerTriggerType({ id: 'tick', description: '' }, { registerTrigger() {}, unregisterTrigger: (b) => void unregistered.push(b.id) });
    connect(last());
    last().receive({ type: 'registertrigger', id: 'b1', trigger_type: 'tick', function_id: 'f', config: null });
    // The provider's handler runs asynchronously (registration/bindings.ts): wait for the ack.
    await vi.waitFor(() => expect(last().frames.at(-1)).toMatchObject({ type: 'triggerregistrationresult', id: 'b1' }));
    ref.unregister();
    await flush(20);
    expect(unregistered).toEqual(['b1']);
    last().receive({ type: 'registertrigger', id: 'b2', trigger_type: 'tick', function_id: 'f', config: null });
    await vi.waitFor(() => expect(last().frames.at(-1)).toMatchObject({ id: 'b2', error: { code: 'trigger_type_not_found' } }));
    expect(last().frames.some((f) => f.type === 'unregistertriggertype')).toBe(false);
    last().drop();
    clock.advance(10);
    connect(last());
    expect(types(last())).not.toContain('registertriggertype');
    await client.shutdown();
  });

  it('a triggerregistrationresult error is visible on the Trigger handle and as an event', async () => {
    const { client, last } = setup();
    const trig = client.registerTrigger({ type: 'http', function_id: 'f', config: {} });
    const events: unknown[] = [];
    client.on('trigger-failed', (e) => events.push(e));
    connect(last());
    expect(last().frames.at(-2)).toMatchObject({ type: 'registertrigger', id: trig.id, config: {} });
    last().receive({ type: 'triggerregistrationresult', id: trig.id, trigger_type: 'http', function_id: 'f', error: { code: 'trigger_registration_failed', message: 'api_path is required' } });
    // Refusals are recorded as the frame arrives (registration/refusals.ts).
    await vi.waitFor(() => expect(trig.error).toBeDefined());
    expect(trig.error).toMatchObject({ code: 'trigger_registration_failed', message: 'trigger_registration_failed: api_path is required' });
    expect(events).toHaveLength(1);
    await client.shutdown();
  });

  it('a refused binding is logged as an error naming the binding, its type and the reason', async () => {
    const logged: unknown[][] = [];
    const sink = { debug() {}, info() {}, warn: (...a: unknown[]) => logged.push(['warn', ...a]), error: (...a: unknown[]) => logged.push(['error', ...a]) };
    const fake = fakePlatform({ console: sink });
    const client = new III(fake.platform, 'ws://engine.test:1/', { workerName: 'unit', heartbeat: false });
    const trig = client.registerTrigger({ type: 'http', function_id: 'f', config: {} });
    connect(fake.last());
    fake.last().receive({ type: 'triggerregistrationresult', id: trig.id, trigger_type: 'http', function_id: 'f', error: { code: 'trigger_type_not_found', message: 'run: iii worker add iii-http' } });
    await vi.waitFor(() => expect(logged).toHaveLength(1));
    expect(logged[0]![0]).toBe('error');
    expect(String(logged[0]![1])).toMatch(new RegExp(`${trig.id}.*http.*iii worker add iii-http`));
    await client.shutdown();
  });

  it('registerTrigger takes trigger_type, the wire\'s name, for type', async () => {
    const { client, last } = setup();
    const trig = client.registerTrigger({ trigger_type: 'cron', function_id: 'f', config: {} } as never);
    connect(last());
    expect(last().frames.at(-2)).toMatchObject({ type: 'registertrigger', id: (trig as { id: string }).id, trigger_type: 'cron' });
    expect(() => client.registerTrigger({ function_id: 'f' } as never)).toThrow(/trigger type must be a non-empty string/);
    await client.shutdown();
  });
});

describe('client: options and input checks', () => {
  it('blank namespace or worker name is a TypeError', () => {
    const { platform } = fakePlatform();
    expect(() => new III(platform, 'ws://x/', { namespace: ' ' })).toThrow(TypeError);
    expect(() => new III(platform, 'ws://x/', { workerName: '' })).toThrow(TypeError);
  });

  it('headers on a platform without header support: TypeError naming the URL query', () => {
    const { platform } = fakePlatform({ supportsHeaders: false, name: 'browser' });
    expect(() => new III(platform, 'ws://x/', { headers: { a: 'b' } })).toThrow(/URL query/);
  });

  it('address from III_URL, else the default', () => {
    const fake = fakePlatform();
    fake.env.III_URL = 'ws://from-env:9/';
    const a = new III(fake.platform, undefined, { heartbeat: false });
    expect(fake.last().url).toBe('ws://from-env:9/');
    void a.shutdown();
    const fake2 = fakePlatform();
    const b = new III(fake2.platform, undefined, { heartbeat: false });
    expect(fake2.last().url).toBe('ws://127.0.0.1:49134');
    void b.shutdown();
  });

  it('empty or duplicate function ids throw', () => {
    const { client } = setup();
    expect(() => client.registerFunction('', () => 1)).toThrow(TypeError);
    client.registerFunction('x', () => 1);
    expect(() => client.registerFunction('x', () => 1)).toThrow(/already registered/);
    void client.shutdown();
  });

  it('registerTrigger sends config null when undefined and fills the worker namespace', () => {
    const { client, last } = setup({ namespace: 'n' });
    connect(last());
    const t = client.registerTrigger({ type: 'x', function_id: 'f' });
    expect(last().frames.at(-1)).toEqual({ type: 'registertrigger', id: t.id, trigger_type: 'x', function_id: 'f', config: null, namespace: 'n' });
    expect(() => client.registerTrigger({ type: 'x', function_id: 'f', trigger_namespace: '' })).toThrow(TypeError);
    void client.shutdown();
  });

  it('the WebSocket option replaces the platform transport', () => {
    const fake = fakePlatform();
    const made: string[] = [];
    class FakeWS {
      binaryType = 'blob';
      readyState = 0;
      onopen = null;
      onmessage = null;
      onclose = null;
      onerror = null;
      constructor(url: string) {
        made.push(url);
      }
      send() {}
      close() {}
    }
    const c = new III(fake.platform, 'ws://x:1/', { WebSocket: FakeWS as never, heartbeat: false });
    expect(made).toEqual(['ws://x:1/']);
    expect(fake.transports).toHaveLength(0);
    void c.shutdown();
  });

  it('propagator.inject adds trace context to outbound calls', () => {
    const { client, last } = setup({ propagator: { inject: () => ({ traceparent: '00-t-s-01', baggage: 'k=v' }) } });
    connect(last());
    void client.trigger({ function_id: 'f', action: TriggerAction.Void() });
    expect(last().frames.at(-1)).toMatchObject({ traceparent: '00-t-s-01', baggage: 'k=v' });
    void client.shutdown();
  });

  it('logger sends engine::log::<level> (void) and respects logLevel', () => {
    const { client, last } = setup({ logLevel: 'warn' });
    connect(last());
    client.logger.info('hidden');
    client.logger.warn('shown', { x: 1 });
    const logs = last().frames.filter((f) => String(f.function_id).startsWith('engine::log::'));
    expect(logs).toEqual([
      { type: 'invokefunction', function_id: 'engine::log::warn', data: { message: 'shown', service_name: 'unit', data: { x: 1 } }, action: { type: 'void' }, namespace: 'default' },
    ]);
    void client.shutdown();
  });
});

describe('client: connection-state listener and reconnect options', () => {
  // Issue 13: the listener used to hear nothing until the first change (so never `connecting`)
  // and `reconnecting` again at every retry; the `state` event keeps the per-retry detail.
  it('a listener is called at once with the current state, then on changes only', () => {
    const { client, last, clock } = setup({ reconnect: { initialDelayMs: 10, maxDelayMs: 10, jitter: 0 } });
    const heard: string[] = [];
    const events: Array<{ state: string; attempt?: number }> = [];
    client.on('state', (change) => events.push({ state: change.state, attempt: change.attempt }));
    const off = client.addConnectionStateListener((state) => heard.push(state));
    expect(heard).toEqual(['connecting']);
    for (let i = 0; i < 3; i++) {
      last().drop(1006);
      clock.advance(10);
    }
    connect(last());
    expect(heard).toEqual(['connecting', 'reconnecting', 'connected']);
    expect(events.filter((e) => e.state === 'reconnecting').map((e) => e.attempt)).toEqual([1, 2, 3]);
    off();
    last().drop(1006);
    expect(heard).toHaveLength(3);
    expect(() => client.addConnectionStateListener(5 as never)).toThrow(TypeError);
    void client.shutdown();
  });

  it("iii-sdk's reconnectionConfig: { maxRetries: 0 } does not reconnect", async () => {
    const { client, last, clock, transports } = setup({ reconnectionConfig: { maxRetries: 0 } });
    connect(last());
    last().drop(1006);
    clock.advance(60_000);
    expect(transports).toHaveLength(1);
    expect(client.connectionState).toBe('failed');
    expect(client.getFatalError()?.code).toBe('CONNECTION_FAILED');
    await client.shutdown();
  });
});

describe('client: calls the engine answers as not delivered (retryUndelivered)', () => {
  const invokes = (t: FakeTransport, id: string) => t.frames.filter((f) => f.type === 'invokefunction' && f.function_id === id);
  const notFound = (t: FakeTransport, frame: Record<string, unknown>, code = 'function_not_found') =>
    t.receive({ type: 'invocationresult', invocation_id: frame.invocation_id, function_id: frame.function_id, error: { code, message: 'Function f not found' } });

  it('re-sends the same frame after 50 ms, then 100 ms, … and resolves with the answer that comes', async () => {
    const { client, last, clock } = setup();
    connect(last());
    const p = client.trigger({ function_id: 'f', payload: { q: 1 }, timeoutMs: 5000 });
    const [first] = invokes(last(), 'f');
    notFound(last(), first!);
    clock.advance(49);
    expect(invokes(last(), 'f')).toHaveLength(1);
    clock.advance(1);
    expect(invokes(last(), 'f')).toEqual([first, first]);
    notFound(last(), first!, 'channel_send_failed');
    clock.advance(99);
    expect(invokes(last(), 'f')).toHaveLength(2);
    clock.advance(1);
    expect(invokes(last(), 'f')).toHaveLength(3);
    last().receive({ type: 'invocationresult', invocation_id: first!.invocation_id, function_id: 'f', result: 'done' });
    await expect(p).resolves.toBe('done');
    await client.shutdown();
  });

  it('at its timeout the call rejects function_not_found saying it never became available; false rejects at once', async () => {
    const { client, last, clock } = setup({ retryUndelivered: false });
    connect(last());
    const waiting = client.trigger({ function_id: 'f', timeoutMs: 1000, retryUndelivered: true }).catch((e: unknown) => e);
    const atOnce = client.trigger({ function_id: 'g', timeoutMs: 1000 }).catch((e: unknown) => e);
    notFound(last(), invokes(last(), 'g')[0]!);
    expect(await atOnce).toMatchObject({ code: 'function_not_found', message: 'function_not_found: Function f not found' });
    for (let i = 0; i < 20; i++) {
      const sent = invokes(last(), 'f');
      notFound(last(), sent[sent.length - 1]!);
      clock.advance(100);
    }
    const err = (await waiting) as Error & { code?: string };
    expect(err.code).toBe('function_not_found');
    expect(err.message).toMatch(/^function_not_found: f never became available within 1000 ms \(last answer: function_not_found: Function f not found\)/);
    // 50, 100, 200, 400 ms apart within the second: the backoff, not a resend per answer.
    expect(invokes(last(), 'f').length).toBeLessThanOrEqual(6);
    await client.shutdown();
  });

  it('a re-send still unanswered at the deadline: function_not_found as documented, not TIMEOUT (no answer said it was delivered)', async () => {
    const { client, last, clock } = setup();
    connect(last());
    const p = client.trigger({ function_id: 'f', timeoutMs: 1000 }).catch((e: unknown) => e);
    notFound(last(), invokes(last(), 'f')[0]!);
    clock.advance(50);
    expect(invokes(last(), 'f')).toHaveLength(2); // the re-send, never answered
    clock.advance(950);
    const err = (await p) as Error & { code?: string };
    expect(err.code).toBe('function_not_found');
    expect(err.message).toMatch(/never became available within 1000 ms \(last answer: function_not_found: Function f not found; the last re-send was still unanswered\)/);
    await client.shutdown();
  });

  it('a re-sent call waits in the queue while disconnected, and is not CONNECTION_LOST: it never ran', async () => {
    const { client, last, clock } = setup({ reconnect: { initialDelayMs: 10, jitter: 0 } });
    connect(last());
    const p = client.trigger({ function_id: 'f', timeoutMs: 5000 });
    notFound(last(), invokes(last(), 'f')[0]!);
    last().drop(1006);
    clock.advance(60);
    connect(last(), 'w-2', 'tok-2');
    const [again] = invokes(last(), 'f');
    expect(again).toBeDefined();
    last().receive({ type: 'invocationresult', invocation_id: again!.invocation_id, function_id: 'f', result: 2 });
    await expect(p).resolves.toBe(2);
    await client.shutdown();
  });
});
