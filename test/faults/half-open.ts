/**
 * Half-open links through the stalling proxy: how long a worker takes to notice that nothing
 * comes back any more, for a given heartbeat setting. Shared by link.test.ts and measure.ts.
 */
import type { HeartbeatOptions } from '../../platform/node/index.js';
import { uniqueName, within, worker } from '../node/helpers.js';
import { startEngine } from '../engine/index.js';
import { startProxy } from './proxy.js';

export interface HalfOpenResult {
  heartbeat: Partial<HeartbeatOptions> | false;
  /** ms from the stall to the worker leaving `connected`; undefined if it did not within `maxMs`. */
  detectedMs: number | undefined;
  /** How the call in flight at the stall ended, and after how many ms. */
  inFlight: { code: string | undefined; ms: number } | undefined;
  /** After the link came back: a call made during the stall, then a fresh one, succeeded. */
  recovered: boolean;
  recoverMs: number | undefined;
}

export async function measureHalfOpen(heartbeat: Partial<HeartbeatOptions> | false, maxMs: number): Promise<HalfOpenResult> {
  const engine = await startEngine({ port: 0, host: '127.0.0.1' });
  const proxy = await startProxy(engine.port);
  const server = worker(engine.url, { workerName: uniqueName('halfopen-server') });
  const client = worker(proxy.url, {
    workerName: uniqueName('halfopen-client'),
    heartbeat,
    handshakeTimeoutMs: 1000,
    reconnect: { initialDelayMs: 50, maxDelayMs: 200, jitter: 0, minUptimeMs: 0 },
  });
  try {
    server.registerFunction('faults::halfopen::slow', () => new Promise((r) => setTimeout(() => r('late'), 60_000)));
    server.registerFunction('faults::halfopen::echo', (d: unknown) => d);
    await within(Promise.all([server.ready(), client.ready()]), 5000, 'workers ready');
    await within(client.trigger({ function_id: 'faults::halfopen::echo', payload: 1, timeoutMs: 3000 }), 4000, 'first call');

    const inFlightCall = client.trigger({ function_id: 'faults::halfopen::slow', payload: {}, timeoutMs: maxMs + 60_000 });
    await new Promise((r) => setTimeout(r, 100));
    const stalledAt = Date.now();
    let inFlight: HalfOpenResult['inFlight'];
    void inFlightCall.then(
      () => (inFlight = { code: 'resolved', ms: Date.now() - stalledAt }),
      (e: unknown) => (inFlight = { code: (e as { code?: string }).code, ms: Date.now() - stalledAt }),
    );
    proxy.stall();
    let detectedMs: number | undefined;
    const deadline = stalledAt + maxMs;
    while (Date.now() < deadline) {
      if (client.connectionState !== 'connected') {
        detectedMs = Date.now() - stalledAt;
        break;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    // A call made while the link is down waits for it to come back.
    const queued = client.trigger({ function_id: 'faults::halfopen::echo', payload: 'queued', timeoutMs: 20_000 });
    queued.catch(() => undefined);
    const unstalledAt = Date.now();
    proxy.unstall();
    let recovered = false;
    let recoverMs: number | undefined;
    try {
      await within(queued, 15_000, 'the call queued during the stall');
      await within(client.trigger({ function_id: 'faults::halfopen::echo', payload: 2, timeoutMs: 3000 }), 4000, 'a call after the stall');
      recovered = true;
      recoverMs = Date.now() - unstalledAt;
    } catch {
      recovered = false;
    }
    inFlightCall.catch(() => undefined);
    return { heartbeat, detectedMs, inFlight, recovered, recoverMs };
  } finally {
    await Promise.all([client, server].map((w) => within(w.shutdown(), 3000, 'shutdown').catch(() => undefined)));
    await proxy.close();
    await engine.close();
  }
}
