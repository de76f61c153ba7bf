// The published contract of `startEngine()` (iii-isomorphic/testing): its defaults, `rbacUrl`,
// option errors, and a `close()` that leaves no socket and no timer behind in the user's process.
import * as net from 'node:net';
import { describe, expect, it } from 'vitest';
import { startEngine } from '../index';
import { connectRaw, connectWorker, openChannel, sleep, type RawSocket } from './raw-client';

/** Sockets, servers and timers alive in this process, by kind. */
function handles(): Record<string, number> {
  const count: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) if (/TCP|Timeout|Immediate/.test(r)) count[r] = (count[r] ?? 0) + 1;
  return count;
}

/** Kinds with more handles now than in `before` (polled for up to `ms`, sockets take a moment to close). */
async function leftOver(before: Record<string, number>, ms: number): Promise<Record<string, number>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const now = handles();
    const extra = Object.fromEntries(Object.entries(now).filter(([k, n]) => n > (before[k] ?? 0)));
    if (Object.keys(extra).length === 0 || Date.now() > deadline) return extra;
    await sleep(25);
  }
}

describe('startEngine() (iii-isomorphic/testing)', () => {
  it('listens on 127.0.0.1 and a free port by default, and reports rbacUrl only when a listener has rbac', async () => {
    const plain = await startEngine();
    const rbac = await startEngine({ listeners: [{}, { rbac: { auth_function_id: 'x::auth' } }] });
    try {
      expect(plain.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
      expect(plain.port).toBeGreaterThan(0);
      expect(plain.port).not.toBe(49134);
      expect(plain.rbacUrl).toBeUndefined();
      expect(rbac.listeners.map((l) => l.rbac)).toEqual([false, true]);
      expect(rbac.rbacUrl).toBe(rbac.listeners[1]!.url);
      expect(rbac.url).toBe(rbac.listeners[0]!.url);
    } finally {
      await plain.close();
      await rbac.close();
    }
  });

  it('rejects a misspelled option with its path, and opens nothing', async () => {
    const before = handles();
    // @ts-expect-error — the misspelling is the point
    await expect(startEngine({ listeners: [{ prot: 1 }] })).rejects.toThrow('startEngine(): listeners[0].prot is not an option of a listener; known: port, host,');
    await expect(startEngine({ registrationGraceMs: -1 })).rejects.toThrow('startEngine(): registrationGraceMs must be a number of milliseconds ≥ 0, got number -1');
    expect(await leftOver(before, 0)).toEqual({});
  });

  it('rejects a port in use with the listener error and closes what it had opened', async () => {
    const first = await startEngine();
    const before = handles();
    await expect(startEngine({ listeners: [{}, { port: first.port }] })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    expect(await leftOver(before, 1000)).toEqual({});
    await first.close();
  });

  it('close() frees every socket and timer: workers, RBAC, channels, grace, handshake, acks, queue deliveries', async () => {
    const before = handles();
    const engine = await startEngine({
      listeners: [{}, { rbac: { auth_function_id: 'close::auth' } }],
      queue: { queues: ['later'], deliveryDelayMs: 60_000 },
    });
    const sockets: RawSocket[] = [];
    // A trusted worker serving the auth function, providing a trigger type it never acks.
    const trusted = await connectWorker(engine.url);
    sockets.push(trusted);
    trusted.registerFunction('close::auth');
    trusted.serve('close::auth', () => ({}));
    trusted.announceVoid({ name: 'close-trusted' });
    trusted.registerTriggerType('close::type');
    await trusted.sync();
    // An RBAC client (auth call), and a connection that never announces (grace timer).
    sockets.push(await connectWorker(engine.rbacUrl!));
    sockets.push(await connectWorker(engine.url));
    // engine::register_trigger waits up to 10 s for the provider's ack; an enqueue waits 60 s.
    trusted.invoke('engine::register_trigger', { trigger_type: 'close::type', function_id: 'close::auth' });
    trusted.invoke('close::auth', {}, { action: { type: 'enqueue', queue: 'later' } });
    await trusted.nextType('invocationresult', (f) => f.result?.messageReceiptId !== undefined);
    // A channel with both ends open.
    const ch = await trusted.call('engine::channels::create', {});
    sockets.push(await openChannel(engine.url, ch.reader, 'read'), await openChannel(engine.url, ch.writer, 'write'));
    // A TCP connection still sending its request headers (handshake timer).
    const halfOpen = net.connect(engine.port, '127.0.0.1', () => halfOpen.write('GET / HTTP/1.1\r\n'));
    halfOpen.on('error', () => undefined);
    await sleep(100);
    expect(Object.keys(await leftOver(before, 0)).length).toBeGreaterThan(0); // the engine holds handles now

    await engine.close();
    await engine.close(); // idempotent
    await Promise.all(sockets.map((s) => s.waitClose(3000)));
    await new Promise<void>((resolve) => (halfOpen.destroyed ? resolve() : halfOpen.once('close', () => resolve())));
    expect(await leftOver(before, 3000)).toEqual({});
    await expect(connectRaw(engine.url, { timeoutMs: 500 })).rejects.toThrow();
  });

  it('supports `await using`', async () => {
    const before = handles();
    let url = '';
    {
      await using engine = await startEngine();
      url = engine.url;
      (await connectWorker(url)).terminate();
    }
    expect(await leftOver(before, 3000)).toEqual({});
    await expect(connectRaw(url, { timeoutMs: 500 })).rejects.toThrow();
  });
});
