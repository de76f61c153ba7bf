// A token that changes on reconnect (docs/auth.md): the auth function accepts only the newest
// token, so a client must dial each attempt with a fresh one. `registerWorker` takes a function
// for the address; it is called before every connection attempt.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { registerWorker, type III } from 'iii-isomorphic';
import { startEngine, type EngineOptions, type RunningEngine } from 'iii-isomorphic/testing';

// Your token service: here, a counter. Only the newest token is valid.
let newest = 0;
const issueToken = async (): Promise<string> => `token-${++newest}`;

interface AuthInput {
  headers: Record<string, string>;
  query_params: Record<string, string[]>;
  ip_address: string;
}

let engine: RunningEngine;
let options: EngineOptions;
let backend: III;
let tab: III;
const addresses: string[] = [];

beforeAll(async () => {
  engine = await startEngine({ listeners: [{}, { rbac: { auth_function_id: 'shop::auth', expose_functions: ['match("shop::public::*")'] } }] });
  // The same ports after a restart, so that the workers find the engine again.
  options = { listeners: [{ port: engine.listeners[0]!.port }, { port: engine.listeners[1]!.port, rbac: { auth_function_id: 'shop::auth', expose_functions: ['match("shop::public::*")'] } }] };

  // The trusted backend serves the auth function and what the tab may call.
  backend = registerWorker(engine.url, { workerName: 'shop-backend', reconnect: { initialDelayMs: 100, maxDelayMs: 500 } });
  backend.registerFunction('shop::auth', ({ query_params }: AuthInput) => {
    if (query_params.token?.[0] !== `token-${newest}`) throw new Error('token expired');
    return { context: { token: query_params.token[0] } };
  });
  backend.registerFunction('shop::public::hello', () => ({ hello: 'tab' }));
  await backend.ready();

  // The untrusted client: a fresh token in the query of every attempt.
  tab = registerWorker(
    async () => {
      const address = `${engine.rbacUrl}/?token=${encodeURIComponent(await issueToken())}`;
      addresses.push(address);
      return address;
    },
    { workerName: 'tab', reconnect: { initialDelayMs: 100, maxDelayMs: 500 } },
  );
  await tab.ready();
});

afterAll(async () => {
  await Promise.all([tab.shutdown(), backend.shutdown()]);
  await engine.close();
});

it('reconnects with a fresh token after the engine drops the connection', async () => {
  await expect(tab.trigger({ function_id: 'shop::public::hello', payload: {} })).resolves.toEqual({ hello: 'tab' });
  const tokensBefore = newest;

  // The engine restarts: every connection drops; the tab's next attempts ask for a new token.
  const dropped = new Promise<void>((resolve) => tab.on('state', (change) => change.state !== 'connected' && resolve()));
  await engine.close();
  await dropped;
  engine = await startEngine(options);

  // Queued until the tab is back (with a token the auth function accepts), then answered.
  await expect(tab.trigger({ function_id: 'shop::public::hello', payload: {}, timeoutMs: 15_000 })).resolves.toEqual({ hello: 'tab' });
  expect(newest).toBeGreaterThan(tokensBefore);
  expect(tab.getAddress()).toBe(addresses.at(-1));
  expect(tab.getAddress()).toContain(`token=token-${newest}`);
}, 30_000);

it('a client that keeps its first address is refused once that token is old', async () => {
  await backend.ready(); // the auth function is registered again after the restart
  const stale = registerWorker(addresses[0]!, { workerName: 'stale-tab', reconnect: { maxRetries: 0 }, logLevel: 'silent' });
  const refused = new Promise((resolve) => stale.once('auth-error', resolve));
  await expect(refused).resolves.toMatchObject({ message: 'AUTH_ERROR: token expired' });
  await stale.shutdown();
});
