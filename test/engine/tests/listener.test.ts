// §1.1 listeners and routes, §8 items 1–2, handshake timeout, §2.4 opening order, ping/pong.
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { useHarness } from './harness';
import { httpProbe, openSocket, tcpIdle, UUID_RE, withTimeout } from './raw-client';

const h = useHarness();

describe('routes before upgrade (§1.1, §8 items 1–2)', () => {
  it('answers 404 for an unknown path even with upgrade headers', async () => {
    const e = await h.engine();
    const r = await httpProbe(e.url, '/nope');
    expect(r.status).toBe(404);
  });

  it('answers 404 for an unknown path without upgrade headers', async () => {
    const e = await h.engine();
    const r = await httpProbe(e.url, '/nope', { upgrade: false });
    expect(r.status).toBe(404);
  });

  it('answers 404 for a trailing slash on /otel and for an empty channel id', async () => {
    const e = await h.engine();
    expect((await httpProbe(e.url, '/otel/')).status).toBe(404);
    expect((await httpProbe(e.url, '/ws/channels/?key=a&dir=read')).status).toBe(404);
    expect((await httpProbe(e.url, '/ws/channels/a/b?key=a&dir=read')).status).toBe(404);
  });

  it('answers 400 for GET / without upgrade headers', async () => {
    const e = await h.engine();
    const r = await httpProbe(e.url, '/', { upgrade: false });
    expect(r.status).toBe(400);
  });

  it('answers 400 for GET /otel without upgrade headers', async () => {
    const e = await h.engine();
    const r = await httpProbe(e.url, '/otel', { upgrade: false });
    expect(r.status).toBe(400);
  });

  it('answers 405 for a non-GET method on /', async () => {
    const e = await h.engine();
    const r = await httpProbe(e.url, '/', { method: 'POST' });
    expect(r.status).toBe(405);
  });

  it('upgrades GET / with a query string', async () => {
    const e = await h.engine();
    const w = await h.raw(e.url, { query: 'token=abc&x=1' });
    const f = await w.hello();
    expect(f.type).toBe('workerregistered');
  });

  it('upgrades /otel but never sends workerregistered there', async () => {
    const e = await h.engine();
    const s = await h.socket(e.url, { path: '/otel' });
    s.send(Buffer.concat([Buffer.from('OTLP'), Buffer.from('{"resourceSpans":[]}')]));
    s.send({ type: 'ping' });
    await s.expectNoMsg(() => true, 300);
    expect(s.isOpen).toBe(true);
  });

  it('does not list an /otel connection as a worker', async () => {
    const e = await h.engine();
    const before = await h.announced(e.url, { name: 'lister' });
    await h.socket(e.url, { path: '/otel' });
    const r = await before.call('engine::workers::list', {});
    const ws = r.workers as Array<Record<string, unknown>>;
    // only the announced lister (plus in-process workers) is listed
    expect(ws.filter((x) => x.runtime !== 'engine').map((x) => x.name)).toEqual(['lister']);
  });
});

describe('handshake timeout (§1.1)', () => {
  it('closes a TCP connection that does not finish its request headers within handshake_timeout_ms', async () => {
    const e = await h.engine({ listeners: [{ port: 0, handshake_timeout_ms: 200 }] });
    const r = await tcpIdle(e.url, 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n', 2500);
    expect(r.closedAfterMs).toBeGreaterThanOrEqual(150);
    expect(r.closedAfterMs).toBeLessThan(2000);
  });

  it('closes a silent TCP connection after handshake_timeout_ms', async () => {
    const e = await h.engine({ listeners: [{ port: 0, handshake_timeout_ms: 200 }] });
    const r = await tcpIdle(e.url, '', 2500);
    expect(r.closedAfterMs).toBeLessThan(2000);
  });

  it('does not apply the handshake timeout to an established session', async () => {
    const e = await h.engine({ listeners: [{ port: 0, handshake_timeout_ms: 150 }] });
    const w = await h.worker(e.url);
    await new Promise((r) => setTimeout(r, 400));
    expect(w.isOpen).toBe(true);
    await w.sync();
  });
});

describe('listeners (§1.1)', () => {
  it('exposes every configured listener and shares one registry between them', async () => {
    const e = await h.engine({ listeners: [{ port: 0 }, { port: 0 }] });
    expect(e.listeners).toHaveLength(2);
    expect(e.listeners[0]!.port).not.toBe(e.listeners[1]!.port);
    const a = await h.announced(e.listeners[0]!.url, { name: 'a' });
    a.registerFunction('shared::fn');
    a.serve('shared::fn', () => ({ from: 'a' }));
    await a.sync();
    const b = await h.announced(e.listeners[1]!.url, { name: 'b' });
    expect(await b.call('shared::fn', {})).toEqual({ from: 'a' });
  });

  it('reports url and port of the default listener', async () => {
    const e = await h.engine();
    expect(e.port).toBeGreaterThan(0);
    expect(e.url).toContain(`127.0.0.1:${e.port}`);
  });
});

describe('connection opening (§1.2, §2.4)', () => {
  it('sends workerregistered with a UUID worker_id and reattach_token as the first frame', async () => {
    const e = await h.engine();
    const w = await h.raw(e.url);
    const f = await w.next(() => true);
    expect(f.type).toBe('workerregistered');
    expect(f.worker_id).toMatch(UUID_RE);
    expect(f.reattach_token).toMatch(UUID_RE);
    expect(f.reattach_token).not.toBe(f.worker_id);
  });

  it('gives every connection its own worker id and token', async () => {
    const e = await h.engine();
    const a = await h.worker(e.url);
    const b = await h.worker(e.url);
    expect(a.workerId).not.toBe(b.workerId);
    expect(a.reattachToken).not.toBe(b.reattachToken);
  });

  it('reads frames sent before workerregistered later, in order', async () => {
    const e = await h.engine();
    const w = await h.raw(e.url);
    w.send({ type: 'ping' });
    const first = await w.next(() => true);
    expect(first.type).toBe('workerregistered');
    const second = await w.next(() => true);
    expect(second.type).toBe('pong');
  });

  it('answers a JSON ping with a JSON pong', async () => {
    const e = await h.engine();
    const w = await h.worker(e.url);
    w.send({ type: 'ping' });
    expect(await w.nextType('pong')).toEqual({ type: 'pong' });
  });

  it('ignores a received pong', async () => {
    const e = await h.engine();
    const w = await h.worker(e.url);
    w.send({ type: 'pong' });
    await w.expectNoFrame(() => true, 200);
    await w.sync();
  });

  it('ignores workerregistered and registrationrejected frames sent by a worker', async () => {
    const e = await h.engine();
    const w = await h.worker(e.url);
    w.send({ type: 'workerregistered', worker_id: 'x' });
    w.send({ type: 'registrationrejected', code: 'X', namespace: 'default', owner_worker_id: '' });
    await w.expectNoFrame(() => true, 200);
    await w.sync();
  });

  it('answers WebSocket-level pings with pongs', async () => {
    const e = await h.engine();
    const w = await h.worker(e.url);
    const pong = withTimeout(new Promise<Buffer>((r) => w.ws.once('pong', (d: Buffer) => r(d))), 2000, 'a WS pong');
    w.ws.ping(Buffer.from('hi'));
    expect((await pong).toString()).toBe('hi');
  });

  it('never pings a worker and has no idle timeout', async () => {
    const e = await h.engine();
    const w = await h.worker(e.url);
    let pinged = false;
    w.ws.on('ping', () => {
      pinged = true;
    });
    await w.expectNoFrame(() => true, 600);
    expect(pinged).toBe(false);
    expect(w.isOpen).toBe(true);
  });

  it('drops connections without a Close handshake on engine shutdown', async () => {
    h.referenceOnly('stops the engine');
    const e = await h.engine();
    const w = await h.worker(e.url);
    await e.close();
    const c = await w.waitClose(3000);
    expect(c.code).toBe(1006);
  });
});

describe('accepting plain ws clients', () => {
  it('accepts a client that sends the JSON in binary frames', async () => {
    const e = await h.engine();
    const s = await openSocket(e.url);
    h.track(s);
    await s.next((f) => f.type === 'workerregistered');
    s.ws.send(Buffer.from(JSON.stringify({ type: 'ping' })), { binary: true });
    expect((await s.next((f) => f.type === 'pong')).type).toBe('pong');
    expect(s.ws.readyState).toBe(WebSocket.OPEN);
  });
});
