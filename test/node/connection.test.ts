/**
 * Connection behaviour: reconnect and replay across an engine restart, queued calls, lost
 * calls, heartbeat, handshake timeout, auth failure, fatal rejection, shutdown.
 */
import { WebSocket as WsWebSocket, WebSocketServer, type WebSocket as WsSocket } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { IIIForbiddenError, IIIInvocationError, RegistrationRejectedError, type IIIConnectionState } from '../../platform/node/index.js';
import { AUTH_FUNCTION_ID, externalEngine, externalRbacUrl, referenceOnly } from '../external-engine.js';
import { cleanup, engine, forget, registered, rejection, uniqueName, waitFor, within, worker } from './helpers.js';

const servers: WebSocketServer[] = [];
afterEach(async () => {
  await cleanup();
  for (const s of servers.splice(0)) {
    for (const c of s.clients) c.terminate();
    await new Promise<void>((r) => s.close(() => r()));
  }
});

/** A bare WebSocket server standing in for a misbehaving engine. */
async function rawServer(onConnection: (socket: WsSocket) => void): Promise<{ url: string; server: WebSocketServer }> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  servers.push(server);
  await new Promise<void>((r) => server.once('listening', () => r()));
  server.on('connection', onConnection);
  const port = (server.address() as { port: number }).port;
  return { url: `ws://127.0.0.1:${port}`, server };
}

/** Answers the worker's announce like the engine does (§1.2); true when `message` was it. */
/** What every engine does with the opening sequence: answer the announce and the ping (§3.10). */
function acceptAnnounce(socket: WsSocket, message: unknown): boolean {
  if (String(message) === '{"type":"ping"}') {
    socket.send('{"type":"pong"}');
    return true;
  }
  const f = JSON.parse(String(message)) as Record<string, unknown>;
  if (f.type !== 'invokefunction' || f.function_id !== 'engine::workers::register' || typeof f.invocation_id !== 'string') return false;
  socket.send(JSON.stringify({ type: 'invocationresult', invocation_id: f.invocation_id, function_id: f.function_id, result: { success: true } }));
  return true;
}

describe('reconnect', () => {
  it('engine restarts: calls in flight reject with CONNECTION_LOST, the worker reconnects and replays its registrations', async (ctx) => {
    referenceOnly(ctx, 'stops the engine and starts it again on the same port');
    const first = await engine();
    const port = first.port;
    const a = worker(first.url);
    const b = worker(first.url);
    const states: IIIConnectionState[] = [];
    a.addConnectionStateListener((s) => states.push(s));
    a.registerFunction('r::slow', () => new Promise(() => undefined));
    a.registerFunction('r::echo', (d) => d);
    await registered(b, 'r::echo');
    const inFlight = rejection(b.trigger({ function_id: 'r::slow', timeoutMs: 15000 }), 5000);
    await new Promise((r) => setTimeout(r, 50));
    forget(first);
    await first.close();
    const err = await inFlight;
    expect(err).toBeInstanceOf(IIIInvocationError);
    expect(err.code).toBe('CONNECTION_LOST');
    await waitFor(() => a.connectionState === 'reconnecting', 3000, 'reconnecting');
    // A call made while disconnected waits for the next connection.
    const queued = within(b.listWorkers(), 8000, 'queued call');
    const second = await engine({ port });
    expect(second.port).toBe(port);
    await within(Promise.all([a.ready(), b.ready()]), 8000, 'reconnected');
    expect(Array.isArray(await queued)).toBe(true);
    // a replayed its functions on the new engine.
    await registered(b, 'r::echo');
    expect(await b.trigger({ function_id: 'r::echo', payload: { q: 1 } })).toMatchObject({ q: 1 });
    expect(states).toContain('reconnecting');
    expect(states.at(-1)).toBe('connected');
  });

  it('gives up after maxRetries: state failed, ready() and pending calls reject with CONNECTION_FAILED', async () => {
    const { url, server } = await rawServer((s) => s.terminate());
    const w = worker(url, { reconnect: { maxRetries: 2, initialDelayMs: 20, jitter: 0 } });
    const call = rejection(w.trigger({ function_id: 'x', timeoutMs: 10000 }), 5000);
    const err = await rejection(w.ready(), 5000);
    expect(err).toMatchObject({ code: 'CONNECTION_FAILED' });
    expect(w.connectionState).toBe('failed');
    expect(w.getFatalError()).toBe(err);
    expect(await call).toMatchObject({ code: 'CONNECTION_FAILED' });
    void server;
  });

  it('a connection that drops right after opening does not reset the backoff (minimum uptime)', async () => {
    let connections = 0;
    const { url } = await rawServer((socket) => {
      connections++;
      socket.send(JSON.stringify({ type: 'workerregistered', worker_id: `00000000-0000-4000-8000-${String(connections).padStart(12, '0')}` }));
      setTimeout(() => socket.close(), 10);
    });
    const w = worker(url, { reconnect: { initialDelayMs: 20, maxDelayMs: 10000, multiplier: 2, jitter: 0, minUptimeMs: 5000 } });
    const delays: number[] = [];
    w.on('state', (c) => c.state === 'reconnecting' && c.delayMs !== undefined && delays.push(c.delayMs));
    await waitFor(() => delays.length >= 4, 5000, 'four retries');
    expect(delays.slice(0, 4)).toEqual([20, 40, 80, 160]);
    expect(connections).toBeGreaterThanOrEqual(4);
  });

  it('handshake timeout: no workerregistered within handshakeTimeoutMs → the socket is replaced', async () => {
    let connections = 0;
    const { url } = await rawServer(() => void connections++);
    const w = worker(url, { handshakeTimeoutMs: 150 });
    const reasons: string[] = [];
    w.on('state', (c) => c.error && reasons.push(c.error.message));
    await waitFor(() => connections >= 2, 3000, 'second dial');
    expect(reasons.some((r) => /handshake timed out after 150ms/.test(r))).toBe(true);
  });
});

describe('heartbeat', () => {
  it('app-level ping frames are answered with pong by the engine and keep the connection', async () => {
    const e = await engine();
    const w = worker(e.url, { heartbeat: { intervalMs: 50, timeoutMs: 200 } });
    await w.ready();
    const states: IIIConnectionState[] = [];
    w.addConnectionStateListener((s) => states.push(s));
    await new Promise((r) => setTimeout(r, 600));
    // A listener is called at once with the current state, then on changes only (issue 13).
    expect(states).toEqual(['connected']);
    expect(w.connectionState).toBe('connected');
  });

  it('an engine that goes silent past heartbeat.timeoutMs forces a reconnect', async () => {
    let connections = 0;
    const pings: number[] = [];
    const { url } = await rawServer((socket) => {
      connections++;
      const n = connections;
      socket.send(JSON.stringify({ type: 'workerregistered', worker_id: `00000000-0000-4000-8000-00000000000${n}`, reattach_token: 't' }));
      // Accepts the opening sequence (announce and its closing ping, so ready() resolves), then
      // never answers the heartbeat's pings.
      let opened = false;
      socket.on('message', (m) => {
        if (String(m) === '{"type":"ping"}' && opened) pings.push(n);
        else if (acceptAnnounce(socket, m) && String(m) === '{"type":"ping"}') opened = true;
      });
    });
    const w = worker(url, { heartbeat: { intervalMs: 50, timeoutMs: 250 } });
    await w.ready();
    await waitFor(() => connections >= 2, 3000, 'reconnect after heartbeat timeout');
    expect(pings.filter((n) => n === 1).length).toBeGreaterThan(0);
  });
});

describe('frame validation', () => {
  it('a malformed frame is dropped with a protocol-error event and never crashes the worker', async () => {
    let sock: WsSocket | undefined;
    const { url } = await rawServer((socket) => {
      sock = socket;
      socket.send(JSON.stringify({ type: 'workerregistered', worker_id: '00000000-0000-4000-8000-000000000001', reattach_token: 't' }));
      socket.on('message', (m) => {
        const f = JSON.parse(String(m)) as Record<string, unknown>;
        if (acceptAnnounce(socket, m)) return;
        if (f.type === 'invokefunction' && f.invocation_id) {
          socket.send('{"type":"invocationresult","invocation_id":42}');
          socket.send('{"type":"from-the-future"}');
          socket.send(JSON.stringify({ type: 'invocationresult', invocation_id: f.invocation_id, function_id: f.function_id, result: 'fine' }));
        }
      });
    });
    const w = worker(url);
    const errors: string[] = [];
    w.on('protocol-error', (e) => errors.push(e.message));
    await w.ready();
    expect(await within(w.trigger({ function_id: 'x' }), 3000)).toBe('fine');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/invocationresult/);
    expect(w.connectionState).toBe('connected');
    void sock;
  });
});

describe('auth and fatal rejections', () => {
  async function rbacEngine(ctx: { skip(note?: string): void }, answer: (data: Record<string, unknown>) => unknown) {
    if (externalEngine) externalRbacUrl(ctx);
    const e = await engine({ listeners: [{ port: 0 }, { port: 0, rbac: { auth_function_id: AUTH_FUNCTION_ID, expose_functions: ['match("pub::*")'] } }] });
    const trusted = worker(e.listeners[0]!.url);
    const authCalls: Array<Record<string, unknown>> = [];
    trusted.registerFunction(AUTH_FUNCTION_ID, (data: Record<string, unknown>) => {
      authCalls.push(data);
      return answer(data);
    });
    await registered(trusted, AUTH_FUNCTION_ID);
    return { e, trusted, authCalls, rbacUrl: e.listeners[1]!.url };
  }

  it('headers reach the auth function on the upgrade request', async (ctx) => {
    const { rbacUrl, authCalls } = await rbacEngine(ctx, () => ({}));
    const w = worker(rbacUrl, { headers: { 'x-test-token': 'valid-token' } });
    await within(w.ready(), 5000);
    expect((authCalls[0]!.headers as Record<string, string>)['x-test-token']).toBe('valid-token');
  });

  it('an RBAC refusal rejects with IIIForbiddenError (FORBIDDEN); exposed functions are callable', async (ctx) => {
    const { rbacUrl, trusted } = await rbacEngine(ctx, () => ({}));
    trusted.registerFunction('pub::hello', () => 'hi');
    trusted.registerFunction('priv::secret', () => 'no');
    await registered(trusted, 'priv::secret');
    const w = worker(rbacUrl);
    expect(await within(w.trigger({ function_id: 'pub::hello' }), 5000)).toBe('hi');
    const err = await rejection(w.trigger({ function_id: 'priv::secret' }));
    expect(err).toBeInstanceOf(IIIForbiddenError);
    expect(err).toMatchObject({ code: 'FORBIDDEN', function_id: 'priv::secret' });
  });

  it('the WebSocket option replaces the platform transport (headers passed as { headers })', async (ctx) => {
    const { rbacUrl, authCalls } = await rbacEngine(ctx, () => ({}));
    let constructed = 0;
    class CountingWebSocket extends WsWebSocket {
      constructor(url: string, protocols?: string | string[], options?: { headers?: Record<string, string> }) {
        super(url, protocols, options);
        constructed++;
      }
    }
    const w = worker(rbacUrl, { WebSocket: CountingWebSocket as never, headers: { 'x-test-token': 'via-escape-hatch' } });
    await within(w.ready(), 5000);
    expect(constructed).toBe(1);
    expect((authCalls[0]!.headers as Record<string, string>)['x-test-token']).toBe('via-escape-hatch');
  });

  // Queued calls used to be rejected AUTH_ERROR at the first refusal; since issue 10 item 10 they
  // wait (a refusal during an engine restart clears) and end ENGINE_UNREACHABLE naming it.
  it("AUTH_ERROR frame: auth-error event, retried with policy 'retry'; a queued call ends ENGINE_UNREACHABLE with the refusal", async (ctx) => {
    const { rbacUrl, authCalls } = await rbacEngine(ctx, () => {
      throw new Error('invalid token');
    });
    const w = worker(rbacUrl);
    const authErrors: IIIInvocationError[] = [];
    w.on('auth-error', (e) => authErrors.push(e));
    const err = await rejection(w.trigger({ function_id: 'pub::x', timeoutMs: 1500 }), 5000);
    expect(err).toMatchObject({ code: 'ENGINE_UNREACHABLE' });
    expect(err.message).toContain('invalid token');
    expect(err.cause).toMatchObject({ code: 'AUTH_ERROR' });
    await waitFor(() => authCalls.length >= 2, 3000, 'retried');
    expect(authErrors.length).toBeGreaterThan(0);
    expect(w.connectionState).not.toBe('failed');
  });

  it("AUTH_ERROR with onAuthError 'stop': state failed, getFatalError() is the auth error, no retry", async (ctx) => {
    const { rbacUrl, authCalls } = await rbacEngine(ctx, () => {
      throw new Error('invalid token');
    });
    const w = worker(rbacUrl, { onAuthError: 'stop' });
    const err = await rejection(w.ready(), 5000);
    expect(err).toMatchObject({ code: 'AUTH_ERROR' });
    expect(w.connectionState).toBe('failed');
    expect(w.getFatalError()).toBe(err);
    await new Promise((r) => setTimeout(r, 300));
    expect(authCalls).toHaveLength(1);
  });

  it('WORKER_NAMESPACE_CONFLICT is fatal: failed, RegistrationRejectedError, no reconnect', async () => {
    const e = await engine();
    const name = uniqueName('same');
    const a = worker(e.url, { workerName: name });
    await a.ready();
    const b = worker(e.url, { workerName: name });
    const fatal = new Promise<unknown>((r) => b.once('fatal', r));
    // workerregistered precedes the rejection (§1.2), so ready() may resolve first; 'fatal' follows.
    const err = await within(fatal, 5000, 'fatal');
    expect(err).toBeInstanceOf(RegistrationRejectedError);
    expect(err).toMatchObject({ code: 'WORKER_NAMESPACE_CONFLICT', owner_worker_id: a.workerId, worker_name: name });
    expect(b.connectionState).toBe('failed');
    expect(b.getFatalError()).toBe(err);
    expect(await rejection(b.trigger({ function_id: 'x' }))).toBe(err);
    await new Promise((r) => setTimeout(r, 300));
    expect(b.connectionState).toBe('failed');
    expect(a.connectionState).toBe('connected');
  });
});

describe('shutdown', () => {
  it('is idempotent, rejects pending calls with SHUTDOWN and leaves the engine without the worker', async () => {
    const e = await engine();
    const a = worker(e.url);
    const b = worker(e.url);
    const name = uniqueName('leaving');
    const c = worker(e.url, { workerName: name });
    c.registerFunction('s::never', () => new Promise(() => undefined));
    await registered(a, 's::never');
    const p = rejection(c.trigger({ function_id: 's::never' }));
    await Promise.all([c.shutdown(), c.shutdown(), c[Symbol.asyncDispose]()]);
    expect(await p).toMatchObject({ code: 'SHUTDOWN' });
    expect(c.connectionState).toBe('disconnected');
    await waitFor(async () => !(await b.listWorkers()).some((w) => w.name === name), 3000, 'worker gone');
    expect(() => c.registerFunction('s::after', () => 1)).toThrow(/shut down/);
  });
});

describe('logger', () => {
  it('client.logger sends engine::log::* and the engine records it', async (ctx) => {
    referenceOnly(ctx, "reads the engine's log records in-process (test/real-engine reads the real engine's log store)");
    const records: Array<[string, string, unknown]> = [];
    const e = await engine({ log: (level, message, data) => records.push([level, message, data]) });
    const a = worker(e.url, { logLevel: 'info' });
    await a.ready();
    const original = console.warn;
    console.warn = () => undefined; // keep the mirrored line out of the test output
    try {
      a.logger.warn('disk almost full', { pct: 93 });
      a.logger.debug('not sent below logLevel');
    } finally {
      console.warn = original;
    }
    await waitFor(() => records.some(([, m]) => m.includes('disk almost full')), 3000, 'log recorded');
    expect(records.some(([, m]) => m.includes('not sent below'))).toBe(false);
  });
});
