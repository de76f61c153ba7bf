/**
 * What only the real engine has, end to end with this SDK (run with III_TEST_ENGINE_URL and
 * III_TEST_ENGINE_HTTP_URL; skipped with the reason otherwise, docs/real-engine.md):
 *
 * - HTTP-invoked functions (`registerFunction(id, HttpInvocationConfig)`, §3.2): the engine's
 *   `iii-http-functions` worker calls a loopback HTTP server of this test;
 * - `http` triggers (§3.7) served by the engine's `iii-http` on 127.0.0.1, reaching a function of
 *   this SDK, including the request/response channels the engine puts in the request (§4.6).
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { IIIInvocationError, type ChannelReader, type ChannelWriter } from '../../platform/node/index.js';
import { externalHttpUrl, externalOnly } from '../external-engine.js';
import { cleanup, registered, uniqueName, waitFor, within, worker } from '../node/helpers.js';

interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const servers: http.Server[] = [];

afterEach(async () => {
  await cleanup();
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
});

/** A loopback HTTP server that records every request and answers with `respond`. */
async function loopbackServer(respond: (req: Received) => { status: number; body?: string; type?: string }) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const r = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      received.push(r);
      const answer = respond(r);
      res.writeHead(answer.status, answer.body === undefined ? {} : { 'content-type': answer.type ?? 'application/json' });
      res.end(answer.body);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

const uid = () => Math.random().toString(36).slice(2, 10);

describe('HTTP-invoked functions (the engine calls a URL, §3.2)', () => {
  it('a call reaches the loopback server as a POST with the payload and the iii headers; its JSON is the result', async (ctx) => {
    const engine = externalOnly(ctx, 'iii-http-functions calls the URL');
    const server = await loopbackServer((r) => ({ status: 200, body: JSON.stringify({ echoed: JSON.parse(r.body), via: 'http' }) }));
    const owner = worker(engine.url);
    const caller = worker(engine.url);
    const id = `pub::http-${uid()}`;
    owner.registerFunction(id, { url: `${server.url}/fn/echo?x=1`, method: 'POST', timeout_ms: 5000, headers: { 'x-extra': 'yes' } });
    await registered(caller, id);
    const result = await within(caller.trigger({ function_id: id, payload: { n: 7, s: 'héllo' } }), 8000, 'http call');
    expect(result).toEqual({ echoed: { n: 7, s: 'héllo', _caller_worker_id: caller.workerId }, via: 'http' });
    expect(server.received).toHaveLength(1);
    const [req] = server.received;
    expect(req).toMatchObject({ method: 'POST', url: '/fn/echo?x=1' });
    expect(req!.headers).toMatchObject({
      'content-type': 'application/json',
      'x-iii-function-path': id,
      'x-extra': 'yes',
      'x-iii-invocation-id': expect.stringMatching(/^[0-9a-f-]{36}$/),
      'x-iii-timestamp': expect.stringMatching(/^\d+$/),
    });
  });

  it('an error answer ({"error":{code,message}} with 4xx/5xx) rejects the caller with that code; a plain 503 with http_error', async (ctx) => {
    const engine = externalOnly(ctx, 'iii-http-functions calls the URL');
    let mode = 'json';
    const server = await loopbackServer(() =>
      mode === 'json'
        ? { status: 422, body: JSON.stringify({ error: { code: 'out_of_stock', message: 'no more widgets' } }) }
        : { status: 503, body: 'busy', type: 'text/plain' },
    );
    const owner = worker(engine.url);
    const id = `pub::http-${uid()}`;
    owner.registerFunction(id, { url: `${server.url}/fail`, method: 'PUT' });
    await registered(owner, id);
    const e1 = await owner.trigger({ function_id: id, payload: {} }).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(IIIInvocationError);
    // The SDK's message is `<code>: <engine message>` (src/errors.ts).
    expect(e1).toMatchObject({ code: 'out_of_stock', message: 'out_of_stock: no more widgets', function_id: id });
    mode = 'plain';
    const e2 = await owner.trigger({ function_id: id, payload: {} }).catch((e: unknown) => e);
    expect(e2).toMatchObject({ code: 'http_error', message: 'http_error: HTTP 503 Service Unavailable' });
    expect(server.received.map((r) => r.method)).toEqual(['PUT', 'PUT']);
  });

  it('is withdrawn with unregister() and when its worker leaves; the server is not called again', async (ctx) => {
    const engine = externalOnly(ctx, 'iii-http-functions calls the URL');
    const server = await loopbackServer(() => ({ status: 200, body: '{"ok":true}' }));
    const owner = worker(engine.url);
    const caller = worker(engine.url);
    const a = `pub::http-${uid()}`;
    const b = `pub::http-${uid()}`;
    const refA = owner.registerFunction(a, { url: `${server.url}/a` });
    owner.registerFunction(b, { url: `${server.url}/b` });
    await registered(caller, a);
    await registered(caller, b);
    expect(await caller.trigger({ function_id: a, payload: {} })).toEqual({ ok: true });
    refA.unregister();
    await waitFor(async () => !(await caller.listFunctions()).some((f) => f.function_id === a), 3000, `${a} withdrawn`);
    await owner.shutdown();
    await waitFor(async () => !(await caller.listFunctions()).some((f) => f.function_id === b), 3000, `${b} withdrawn with its worker`);
    // retryUndelivered: false, else a call to a missing function waits for it until its timeout.
    for (const id of [a, b]) {
      expect(await caller.trigger({ function_id: id, payload: {}, retryUndelivered: false }).catch((e: unknown) => e)).toMatchObject({ code: 'function_not_found' });
    }
    expect(server.received.map((r) => r.url)).toEqual(['/a']);
  });

  it('a URL outside the engine\'s url_allowlist is dropped without feedback (§3.2 step 5): callers get function_not_found', async (ctx) => {
    const engine = externalOnly(ctx, 'iii-http-functions validates the URL');
    const owner = worker(engine.url);
    const blocked = `pub::http-${uid()}`;
    const allowed = `pub::http-${uid()}`;
    const server = await loopbackServer(() => ({ status: 200, body: '1' }));
    // 127.0.0.2 is loopback but not in the allowlist of docs/real-engine.config.yaml (no DNS is involved).
    const ref = owner.registerFunction(blocked, { url: 'http://127.0.0.2:9/never' });
    owner.registerFunction(allowed, { url: `${server.url}/ok` });
    // Registrations are applied in order (§2.4): once the later one is listed, the earlier was handled.
    await registered(owner, allowed);
    expect((await owner.listFunctions()).some((f) => f.function_id === blocked)).toBe(false);
    expect(ref.rejection).toBeUndefined();
    const call = owner.trigger({ function_id: blocked, payload: {}, retryUndelivered: false });
    expect(await call.catch((e: unknown) => e)).toMatchObject({ code: 'function_not_found' });
  });
});

describe('http triggers served by iii-http (§3.7)', () => {
  /** Polls until the engine serves the route (a binding is applied asynchronously). */
  async function served(url: string, init: RequestInit): Promise<Response> {
    return waitFor(
      async () => {
        const res = await fetch(url, init);
        if (res.status !== 404) return res;
        await res.body?.cancel();
        return undefined;
      },
      5000,
      `${url} served`,
    );
  }

  it('a JSON request reaches this SDK\'s function (query, path params, headers, body); its return value is the response', async (ctx) => {
    const httpUrl = externalHttpUrl(ctx);
    const w = worker(externalOnly(ctx, 'iii-http').url);
    const seen: Array<Record<string, unknown>> = [];
    const fn = `api::${uid()}::greet`;
    w.registerFunction(fn, (req: Record<string, unknown>) => {
      seen.push(req);
      const body = req.body as { name: string };
      const params = req.path_params as { team: string };
      return { status_code: 201, headers: { 'x-served-by': 'iii-isomorphic' }, body: { greeting: `hello ${body.name} of ${params.team}` } };
    });
    const route = `real-engine-${uid()}/teams/:team/greet`;
    w.registerTrigger({ type: 'http', function_id: fn, config: { api_path: route, http_method: 'POST' } });
    const url = `${httpUrl}/${route.replace(':team', 'blue')}?lang=en`;
    const res = await served(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-probe': 'p1' }, body: JSON.stringify({ name: 'ada' }) });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-served-by')).toBe('iii-isomorphic');
    expect(await res.json()).toEqual({ greeting: 'hello ada of blue' });
    expect(seen[0]).toMatchObject({
      method: 'POST',
      query_params: { lang: 'en' },
      path_params: { team: 'blue' },
      headers: { 'x-probe': 'p1' },
      body: { name: 'ada' },
    });
  });

  it('the function streams the response through the `response` channel and reads a text upload from `request_body` (§4.6)', async (ctx) => {
    const httpUrl = externalHttpUrl(ctx);
    const w = worker(externalOnly(ctx, 'iii-http').url);
    const fn = `api::${uid()}::upper`;
    w.registerFunction(fn, async (req: { request_body: ChannelReader; response: ChannelWriter }) => {
      const text = new TextDecoder().decode(await req.request_body.readAll());
      await req.response.sendMessage(JSON.stringify({ type: 'set_status', status_code: 202 }));
      await req.response.sendMessage(JSON.stringify({ type: 'set_headers', headers: { 'content-type': 'text/plain; charset=utf-8' } }));
      const out = req.response.writable.getWriter();
      for (const part of text.toUpperCase().match(/.{1,1000}/gs) ?? []) await out.write(new TextEncoder().encode(part));
      await out.close();
      return undefined;
    });
    const route = `real-engine-${uid()}/upper`;
    w.registerTrigger({ type: 'http', function_id: fn, config: { api_path: route, http_method: 'POST' } });
    const upload = 'stream me through the channels, '.repeat(2000);
    const res = await served(`${httpUrl}/${route}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: upload });
    expect(res.status).toBe(202);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await res.text()).toBe(upload.toUpperCase());
  });

  it('a function that throws answers 500 with its code and message', async (ctx) => {
    const httpUrl = externalHttpUrl(ctx);
    const w = worker(externalOnly(ctx, 'iii-http').url);
    const fn = `api::${uid()}::boom`;
    w.registerFunction(fn, () => {
      throw new Error('handler broke');
    });
    const route = `real-engine-${uid()}/boom`;
    w.registerTrigger({ type: 'http', function_id: fn, config: { api_path: route } });
    const res = await served(`${httpUrl}/${route}`, { method: 'GET' });
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ error: { code: 'invocation_failed', message: 'handler broke' } });
  });

  it('the route goes away with its worker', async (ctx) => {
    const httpUrl = externalHttpUrl(ctx);
    const w = worker(externalOnly(ctx, 'iii-http').url, { workerName: uniqueName('http-leaving') });
    const fn = `api::${uid()}::bye`;
    w.registerFunction(fn, () => ({ body: 'here' }));
    const route = `real-engine-${uid()}/bye`;
    w.registerTrigger({ type: 'http', function_id: fn, config: { api_path: route } });
    const res = await served(`${httpUrl}/${route}`, { method: 'GET' });
    expect(res.status).toBe(200);
    await res.body?.cancel();
    await w.shutdown();
    await waitFor(async () => (await fetch(`${httpUrl}/${route}`)).status === 404, 5000, 'route removed');
  });
});
