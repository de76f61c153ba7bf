/**
 * This SDK on a listener with middleware and registration hooks (protocol.md §3.15), on the
 * reference engine or on the external one (III_TEST_ENGINE_HOOKS_URL, the 49136 listener of
 * docs/real-engine.config.yaml). A trusted worker serves the auth function, the middleware and the
 * three hooks; the worker under test connects to the hooks listener.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TriggerAction, type III } from '../../platform/node/index.js';
import { AUTH_FUNCTION_ID, HOOKS_LISTENER, externalEngine, externalHooksUrl } from '../external-engine.js';
import { cleanup, engine, registered, waitFor, within, worker } from './helpers.js';

afterEach(cleanup);

const uid = () => Math.random().toString(36).slice(2, 10);
type Ctx = { skip(note?: string): void };

interface Gate {
  trusted: III;
  trustedUrl: string;
  hooksUrl: string;
  middlewareCalls: Array<Record<string, unknown>>;
  hookCalls: Record<'function' | 'trigger' | 'triggerType', Array<Record<string, unknown>>>;
}

/**
 * The engine with the hooks listener, and the trusted worker behind it. The middleware forwards
 * the call from the trusted connection and wraps the answer; the hooks deny ids containing
 * `denied`, rename `pub::rename-*` to `pub::renamed-*`, and allow everything else unchanged.
 */
async function gate(ctx: Ctx): Promise<Gate> {
  if (externalEngine) externalHooksUrl(ctx);
  const e = await engine({ listeners: [{ port: 0 }, { port: 0, ...HOOKS_LISTENER }] });
  const trusted = worker(e.listeners[0]!.url);
  const middlewareCalls: Gate['middlewareCalls'] = [];
  const hookCalls: Gate['hookCalls'] = { function: [], trigger: [], triggerType: [] };
  const { rbac } = HOOKS_LISTENER;
  trusted.registerFunction(AUTH_FUNCTION_ID, () => ({ allow_trigger_type_registration: true, context: { role: 'tester' } }));
  trusted.registerFunction(HOOKS_LISTENER.middleware_function_id, async (input: { function_id: string; payload: unknown }) => {
    middlewareCalls.push(input as Record<string, unknown>);
    const result = await trusted.trigger({ function_id: input.function_id, payload: input.payload });
    return { via: 'middleware', result };
  });
  trusted.registerFunction(rbac.on_function_registration_function_id, (input: { function_id: string }) => {
    hookCalls.function.push(input);
    if (input.function_id.includes('denied')) throw new Error('function denied');
    if (input.function_id.startsWith('pub::rename-')) return { function_id: input.function_id.replace('pub::rename-', 'pub::renamed-') };
    return {};
  });
  trusted.registerFunction(rbac.on_trigger_registration_function_id, (input: { trigger_type: string }) => {
    hookCalls.trigger.push(input);
    return input.trigger_type.includes('denied') ? null : {};
  });
  trusted.registerFunction(rbac.on_trigger_type_registration_function_id, (input: { trigger_type_id: string }) => {
    hookCalls.triggerType.push(input);
    return input.trigger_type_id.includes('denied') ? null : {};
  });
  await registered(trusted, rbac.on_trigger_type_registration_function_id);
  return { trusted, trustedUrl: e.listeners[0]!.url, hooksUrl: e.listeners[1]!.url, middlewareCalls, hookCalls };
}

const listed = async (w: III, id: string) => (await w.listFunctions()).some((f) => f.function_id === id);

describe('middleware (§3.15)', () => {
  it("a call goes through the middleware: it gets {function_id, payload, action, context, namespace}; its answer is the caller's result", async (ctx) => {
    const g = await gate(ctx);
    const target = `pub::${uid()}::add`;
    g.trusted.registerFunction(target, (d: { a: number; b: number }) => d.a + d.b);
    await registered(g.trusted, target);
    const client = worker(g.hooksUrl);
    expect(await within(client.trigger({ function_id: target, payload: { a: 2, b: 3 } }), 5000, 'call')).toEqual({ via: 'middleware', result: 5 });
    expect(g.middlewareCalls).toEqual([{ function_id: target, payload: { a: 2, b: 3 }, action: null, context: { role: 'tester' }, namespace: 'default' }]);
  });

  it('a void call resolves undefined; the middleware still runs and its late answer is no protocol error', async (ctx) => {
    const g = await gate(ctx);
    const target = `pub::${uid()}::sink`;
    const got: unknown[] = [];
    g.trusted.registerFunction(target, (d: unknown) => void got.push(d));
    await registered(g.trusted, target);
    const client = worker(g.hooksUrl);
    const protocolErrors: unknown[] = [];
    client.on('protocol-error', (e) => protocolErrors.push(e));
    await client.ready();
    expect(await client.trigger({ function_id: target, payload: { v: 1 }, action: TriggerAction.Void() })).toBeUndefined();
    await waitFor(() => got.length === 1 && g.middlewareCalls.length === 1, 3000, 'middleware and target ran');
    expect(g.middlewareCalls[0]).toMatchObject({ action: { type: 'void' } });
    // The engine sends the middleware's outcome back under an id the SDK never issued (§3.6).
    await new Promise((r) => setTimeout(r, 200));
    expect(protocolErrors).toEqual([]);
    expect(client.connectionState).toBe('connected');
  });

  it('engine builtins bypass the middleware (engine::channels::create)', async (ctx) => {
    const g = await gate(ctx);
    const client = worker(g.hooksUrl);
    await client.ready();
    const channel = await within(client.createChannel(), 5000, 'createChannel');
    expect(channel.readerRef.direction).toBe('read');
    expect(g.middlewareCalls).toEqual([]);
  });
});

describe('registration hooks (§3.15)', () => {
  it('function hook: a denial is silent, a rename is what the engine lists', async (ctx) => {
    const g = await gate(ctx);
    const client = worker(g.hooksUrl);
    const base = uid();
    const denied = `pub::${base}-denied`;
    const renamed = `pub::rename-${base}`;
    const plain = `pub::${base}-plain`;
    const refs = [client.registerFunction(denied, () => 1), client.registerFunction(renamed, () => 2), client.registerFunction(plain, () => 3)];
    // Registrations are handled in order (§2.4): once the last is listed, the others were decided.
    await registered(g.trusted, plain);
    expect(await listed(g.trusted, denied)).toBe(false);
    expect(await listed(g.trusted, renamed)).toBe(false);
    expect(await listed(g.trusted, `pub::renamed-${base}`)).toBe(true);
    expect(refs.map((r) => r.rejection)).toEqual([undefined, undefined, undefined]);
    expect(g.hookCalls.function.map((c) => c.function_id)).toEqual([denied, renamed, plain]);
    expect(g.hookCalls.function[0]).toMatchObject({ namespace: 'default', context: { role: 'tester' } });
    expect(await g.trusted.trigger({ function_id: plain, payload: {} })).toBe(3);
  });

  it('trigger type hook: a denied type gets no provider, so a binding to it is parked, not delivered', async (ctx) => {
    const g = await gate(ctx);
    const client = worker(g.hooksUrl);
    const deniedType = `denied-${uid()}`;
    const okType = `ok-${uid()}`;
    const delivered: string[] = [];
    const handler = { registerTrigger: (b: { id: string }) => void delivered.push(b.id), unregisterTrigger: () => undefined };
    client.registerTriggerType({ id: deniedType, description: '' }, handler);
    client.registerTriggerType({ id: okType, description: '' }, handler);
    const target = `pub::${uid()}::on`;
    g.trusted.registerFunction(target, () => null);
    await registered(g.trusted, target);
    const okBinding = g.trusted.registerTrigger({ type: okType, function_id: target, config: {} });
    const parked = g.trusted.registerTrigger({ type: deniedType, function_id: target, config: {} });
    await waitFor(() => delivered.includes(okBinding.id), 3000, 'the allowed type gets its binding');
    await new Promise((r) => setTimeout(r, 200));
    expect(delivered).not.toContain(parked.id);
    expect(g.hookCalls.triggerType.map((c) => c.trigger_type_id)).toEqual([deniedType, okType]);
  });

  it('trigger hook: a denied binding is silent for its originator; an allowed one reaches the provider', async (ctx) => {
    const g = await gate(ctx);
    const provider = worker(g.trustedUrl);
    const client = worker(g.hooksUrl);
    const type = `t-${uid()}`;
    const deniedType = `denied-t-${uid()}`;
    const delivered: string[] = [];
    const handler = { registerTrigger: (b: { id: string }) => void delivered.push(b.id), unregisterTrigger: () => undefined };
    provider.registerTriggerType({ id: type, description: '' }, handler);
    provider.registerTriggerType({ id: deniedType, description: '' }, handler);
    const fn = `pub::${uid()}::fired`;
    client.registerFunction(fn, () => null);
    await registered(g.trusted, fn);
    await provider.ready();
    const allowed = client.registerTrigger({ type, function_id: fn, config: { x: 1 } });
    const denied = client.registerTrigger({ type: deniedType, function_id: fn, config: {} });
    await waitFor(() => delivered.includes(allowed.id), 3000, 'allowed binding delivered');
    await new Promise((r) => setTimeout(r, 200));
    expect(delivered).not.toContain(denied.id);
    expect(denied.error).toBeUndefined();
    expect(g.hookCalls.trigger.find((c) => c.trigger_type === type)).toMatchObject({
      trigger_id: allowed.id,
      function_id: fn,
      config: { x: 1 },
      namespace: 'default',
      context: { role: 'tester' },
    });
  });
});
