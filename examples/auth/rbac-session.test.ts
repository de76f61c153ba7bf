// What the auth function returns, and what the engine does with it (docs/auth.md): the functions a
// browser session may call, a context for the middleware, a prefix for what it registers, and a
// registration hook that decides what it may register.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { IIIForbiddenError, registerWorker, type III, type MiddlewareFunctionInput } from 'iii-isomorphic';
import { startEngine, type RunningEngine } from 'iii-isomorphic/testing';

/** What the engine passes to the auth function for each connection to the RBAC listener. */
interface AuthInput {
  headers: Record<string, string>; // lower-case names, one value each
  query_params: Record<string, string[]>; // not URL-decoded
  ip_address: string;
}

const USERS: Record<string, string> = { 'ada-token': 'ada' };

let engine: RunningEngine;
let backend: III;
let tab: III;

beforeAll(async () => {
  engine = await startEngine({
    listeners: [
      {}, // trusted: the backend
      {
        middleware_function_id: 'shop::middleware',
        rbac: {
          auth_function_id: 'shop::auth',
          on_function_registration_function_id: 'shop::on-function',
          expose_functions: ['match("shop::public::*")'],
        },
      },
    ],
  });
  backend = registerWorker(engine.url, { workerName: 'shop-backend' });

  // Who is connecting: throw to refuse (the client gets AUTH_ERROR), return what the session may do.
  backend.registerFunction('shop::auth', ({ query_params, headers }: AuthInput) => {
    const token = decodeURIComponent(query_params.token?.[0] ?? '');
    const user = USERS[token];
    if (!user) throw new Error('unknown token');
    return {
      allowed_functions: ['shop::orders::mine'], // besides what the listener exposes
      forbidden_functions: ['shop::public::beta'], // beats everything
      context: { user, agent: headers['user-agent'] ?? 'unknown' }, // for the middleware and hooks
      function_registration_prefix: `tab-${user}`, // what the tab registers is stored under it
    };
  });

  // Every call the session makes that RBAC allows comes here first; this forwards it with the user.
  backend.registerFunction('shop::middleware', async ({ function_id, payload, context }: MiddlewareFunctionInput) => {
    return backend.trigger({ function_id, payload: { ...(payload as object), user: context.user } });
  });

  // What the session may register: `ui::*` only (anything but an object is a silent refusal).
  backend.registerFunction('shop::on-function', ({ function_id }: { function_id: string; context: { user: string } }) =>
    function_id.startsWith('ui::') ? {} : null,
  );

  backend.registerFunction('shop::orders::mine', ({ user }: { user: string }) => ({ user, orders: [7, 9] }));
  backend.registerFunction('shop::public::hello', ({ user }: { user: string }) => ({ hello: user }));
  backend.registerFunction('shop::public::beta', () => ({ beta: true }));
  backend.registerFunction('shop::admin::reset', () => ({ reset: true }));
  await backend.ready();

  tab = registerWorker(`${engine.rbacUrl}/?token=ada-token`, { workerName: 'tab' });
  tab.registerFunction('ui::notify', ({ text }: { text: string }) => ({ shown: text }));
  tab.registerFunction('admin::steal', () => ({ stolen: true }));
  await tab.ready();
});

afterAll(async () => {
  await Promise.all([tab.shutdown(), backend.shutdown()]);
  await engine.close();
});

it('calls what the listener exposes or the session allows, through the middleware', async () => {
  await expect(tab.trigger({ function_id: 'shop::public::hello', payload: {} })).resolves.toEqual({ hello: 'ada' });
  await expect(tab.trigger({ function_id: 'shop::orders::mine', payload: {} })).resolves.toEqual({ user: 'ada', orders: [7, 9] });
});

it('is refused what is neither exposed nor allowed, and what the session forbids', async () => {
  await expect(tab.trigger({ function_id: 'shop::admin::reset', payload: {} })).rejects.toBeInstanceOf(IIIForbiddenError);
  await expect(tab.trigger({ function_id: 'shop::public::beta', payload: {} })).rejects.toBeInstanceOf(IIIForbiddenError);
});

it("registers under the session's prefix, and only what the hook lets through", async () => {
  await expect(backend.trigger({ function_id: 'tab-ada::ui::notify', payload: { text: 'hi' } })).resolves.toEqual({ shown: 'hi' });
  await expect(backend.trigger({ function_id: 'tab-ada::admin::steal', payload: {}, retryUndelivered: false })).rejects.toMatchObject({
    code: 'function_not_found',
  });
});

it('refuses a connection the auth function throws for', async () => {
  const stranger = registerWorker(`${engine.rbacUrl}/?token=guess`, { workerName: 'stranger', onAuthError: 'stop', logLevel: 'silent' });
  await expect(stranger.ready()).rejects.toMatchObject({ code: 'AUTH_ERROR', message: 'AUTH_ERROR: unknown token' });
  await stranger.shutdown();
});
