/**
 * Reattach (§3.11): a worker whose socket went half-open reconnects, retires the old connection
 * with `reattach` as its first frame, and keeps its name instead of hitting
 * WORKER_NAMESPACE_CONFLICT against its own stale lease.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, engine, registered, uniqueName, waitFor, within, worker } from './helpers.js';

const servers: net.Server[] = [];
const sockets: net.Socket[] = [];
afterEach(async () => {
  await cleanup();
  for (const s of sockets.splice(0)) s.destroy();
  for (const s of servers.splice(0)) await new Promise<void>((r) => s.close(() => r()));
});

/** A TCP proxy that can freeze its current connections (both directions stop, sockets stay open). */
async function proxy(targetPort: number) {
  const pairs: Array<{ client: net.Socket; upstream: net.Socket }> = [];
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.push(client, upstream);
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
    client.pipe(upstream);
    upstream.pipe(client);
    pairs.push({ client, upstream });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `ws://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    connections: () => pairs.length,
    /** Half-open: nothing flows any more, but the engine still sees its socket open. */
    freeze() {
      for (const { client, upstream } of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
    },
  };
}

describe('reattach', () => {
  it('after a half-open socket, the reconnect retires the old connection and keeps the worker name', async () => {
    const e = await engine();
    const p = await proxy(e.port);
    const name = uniqueName('reattaching');
    const w = worker(p.url, { workerName: name, heartbeat: { intervalMs: 50, timeoutMs: 300 } });
    w.registerFunction('ra::ping', () => 'pong');
    const observer = worker(e.url);
    await w.ready();
    const firstId = w.workerId;
    await registered(observer, 'ra::ping');
    p.freeze();
    await waitFor(() => p.connections() >= 2, 5000, 'second dial through the proxy');
    await waitFor(() => w.connectionState === 'connected' && w.workerId !== firstId, 5000, 'reconnected');
    expect(w.getFatalError()).toBeUndefined();
    // The old connection is gone and the name is held once, by the new one.
    const named = await waitFor(async () => {
      const list = (await observer.listWorkers()).filter((x) => x.name === name);
      return list.length === 1 && list[0]!.id === w.workerId ? list : undefined;
    }, 5000, 'one worker with the name');
    expect(named[0]!.id).not.toBe(firstId);
    expect(await within(observer.trigger({ function_id: 'ra::ping' }), 5000)).toBe('pong');
    expect(w.connectionState).toBe('connected');
  });
});
