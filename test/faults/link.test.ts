/**
 * The link between a worker and the engine through a loopback TCP proxy: a stall (a half-open
 * connection: nothing moves, no FIN, no RST) must be noticed by the heartbeat, and a cut (RST)
 * at once; calls in flight then reject `CONNECTION_LOST`, calls made meanwhile wait and succeed
 * when the link is back. `npm run faults:measure` reports the detection time per heartbeat setting.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, engine, rejection, registered, within, worker } from '../node/helpers.js';
import { CODE } from './contract.js';
import { measureHalfOpen } from './half-open.js';
import { startProxy, type Proxy } from './proxy.js';

const proxies: Proxy[] = [];
afterEach(async () => {
  await cleanup();
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});

describe('half-open link (proxy stalls)', () => {
  it('heartbeat {intervalMs: 300, timeoutMs: 900}: noticed within the heartbeat bound; the call in flight rejects CONNECTION_LOST; the link recovers', { timeout: 30_000 }, async () => {
    const r = await measureHalfOpen({ intervalMs: 300, timeoutMs: 900 }, 8000);
    const summary = JSON.stringify(r);
    // Silence for timeoutMs, then a ping unanswered for min(interval, timeout, 10 s): 1.2 s here.
    expect(r.detectedMs, summary).toBeDefined();
    expect(r.detectedMs!, summary).toBeLessThan(5000);
    expect(r.inFlight?.code, summary).toBe(CODE.ConnectionLost);
    expect(r.recovered, summary).toBe(true);
  });
});

describe('cut link (proxy resets the connection)', () => {
  it('calls in flight reject CONNECTION_LOST at once; a call made while the link is down succeeds once it is back', { timeout: 30_000 }, async () => {
    const e = await engine();
    const proxy = await startProxy(e.port);
    proxies.push(proxy);
    const server = worker(e.url);
    const client = worker(proxy.url, { reconnect: { initialDelayMs: 100, maxDelayMs: 300, jitter: 0, minUptimeMs: 0 } });
    server.registerFunction('faults::cut::slow', () => new Promise((r) => setTimeout(() => r('late'), 20_000)));
    server.registerFunction('faults::cut::echo', (d: unknown) => d);
    await within(Promise.all([server.ready(), client.ready()]), 5000, 'ready');
    await registered(client, 'faults::cut::echo');
    const inFlight = rejection(client.trigger({ function_id: 'faults::cut::slow', payload: {}, timeoutMs: 15_000 }), 3000);
    await new Promise((r) => setTimeout(r, 100));
    proxy.refuse();
    proxy.cut();
    const err = await inFlight;
    expect(err.code).toBe(CODE.ConnectionLost);
    const queued = within(client.trigger({ function_id: 'faults::cut::echo', payload: { q: 1 }, timeoutMs: 10_000 }), 12_000, 'queued call');
    await new Promise((r) => setTimeout(r, 500));
    proxy.accept();
    expect(await queued).toMatchObject({ q: 1 });
  });
});
