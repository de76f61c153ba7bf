/**
 * The session's tables at work (src/session/send-policy.ts, outcomes.ts) and what the
 * restructured client guarantees: ready() per phase, bindings released at once, the emitter's
 * semantics.
 */
import { describe, expect, it, vi } from 'vitest';
import { III } from '../../src/client.js';
import { Emitter } from '../../src/events.js';
import { Connection } from '../../src/session/index.js';
import { SEND_POLICY } from '../../src/session/send-policy.js';
import { DEFAULT_RECONNECT } from '../../src/options.js';
import { fakePlatform, flush } from './fakes.js';

function session() {
  const fake = fakePlatform();
  const conn = new Connection(
    {
      url: 'ws://engine.test/',
      platform: fake.platform,
      transport: fake.platform.connect,
      reconnect: { ...DEFAULT_RECONNECT, initialDelayMs: 10, jitter: 0 },
      heartbeat: false,
      handshakeTimeoutMs: 10000,
    },
    { onFrame() {}, onSocketLost() {}, onState() {} },
  );
  conn.start();
  return { ...fake, conn };
}

describe('the send policy, phase by phase', () => {
  it('dialing: calls wait, registrations are left to the replay, replies are dropped', () => {
    const { conn, last } = session();
    expect(conn.submit('call', 'c1')).toBe('queue');
    expect(conn.submit('register', 'r1')).toBe('replay');
    expect(conn.submit('reply', 'p1')).toBe('drop');
    expect(last().sent).toEqual([]);
  });

  it('opening: registrations and the handshake go out, calls still wait for workerregistered', () => {
    const { conn, last } = session();
    conn.submit('call', 'c1');
    last().open();
    expect(conn.submit('handshake', 'h')).toBe('send');
    expect(conn.submit('register', 'r')).toBe('send');
    expect(conn.submit('call', 'c2')).toBe('queue');
    expect(last().sent).toEqual(['h', 'r']);
    conn.markRegistered();
    // Replay, then flush (§2.4 item 4): the queued calls follow, in order.
    expect(last().sent).toEqual(['h', 'r', 'c1', 'c2']);
    expect(conn.submit('call', 'c3')).toBe('send');
    expect(conn.submit('handshake', 'late')).toBe('drop');
    expect(last().sent.at(-1)).toBe('c3');
  });

  it('a write that throws is treated as the waiting phase would treat it', () => {
    const { conn, last } = session();
    last().open();
    conn.markRegistered();
    last().send = () => {
      throw new Error('socket closing');
    };
    expect(conn.submit('call', 'c')).toBe('queue');
    expect(conn.submit('register', 'r')).toBe('replay');
    expect(conn.submit('reply', 'p')).toBe('drop');
  });

  it('failed and closed refuse new work; every phase has a row for every kind', async () => {
    const { conn } = session();
    conn.fail(new Error('fatal'));
    expect(conn.submit('call', 'c')).toBe('refuse');
    expect(conn.submit('register', 'r')).toBe('refuse');
    expect(conn.submit('reply', 'p')).toBe('drop');
    await conn.close();
    expect(conn.submit('call', 'c')).toBe('refuse');
    for (const row of Object.values(SEND_POLICY)) expect(Object.keys(row).sort()).toEqual(['call', 'handshake', 'register', 'reply']);
  });
});

describe('ready() follows the phases', () => {
  it('waits through registered, resolves on accepted, waits again after a reconnect', async () => {
    const { conn, last, clock } = session();
    let settled = 0;
    void conn.ready().then(() => settled++);
    last().open();
    conn.markRegistered();
    await flush();
    expect(settled).toBe(0);
    conn.accept();
    await flush();
    expect(settled).toBe(1);
    last().drop(1006);
    const again = conn.ready().then(() => 'again');
    clock.advance(10);
    last().open();
    conn.markRegistered();
    conn.accept();
    await expect(again).resolves.toBe('again');
  });

  it('rejects while the announce stands refused, and with SHUTDOWN once closed', async () => {
    const { conn, last } = session();
    const waiting = conn.ready();
    last().open();
    conn.markRegistered();
    const refusal = new Error('namespace not allowed');
    conn.refuse(refusal);
    await expect(waiting).rejects.toBe(refusal);
    await expect(conn.ready()).rejects.toBe(refusal);
    // A refused connection is never accepted.
    conn.accept();
    await expect(conn.ready()).rejects.toBe(refusal);
    await conn.close();
    await expect(conn.ready()).rejects.toMatchObject({ code: 'SHUTDOWN' });
  });
});

describe('the outcome table names what a close means', () => {
  it('an abnormal closure (1006) says that no Close frame came', () => {
    const fake = fakePlatform();
    const errors: string[] = [];
    const conn = new Connection(
      { url: 'ws://x/', platform: fake.platform, transport: fake.platform.connect, reconnect: { ...DEFAULT_RECONNECT }, heartbeat: false, handshakeTimeoutMs: 1000 },
      { onFrame() {}, onSocketLost: (e) => errors.push(e.message), onState() {} },
    );
    conn.start();
    fake.last().open();
    fake.last().drop(1006);
    expect(errors).toEqual([expect.stringMatching(/code 1006, no Close frame/)]);
    void conn.close();
  });
});

describe('unregisterTriggerType', () => {
  it('calls the provider for every live binding before it returns', async () => {
    const fake = fakePlatform();
    const client = new III(fake.platform, 'ws://engine.test:1/', { workerName: 'unit', heartbeat: false });
    const released: string[] = [];
    client.registerTriggerType({ id: 'tick' }, { registerTrigger() {}, unregisterTrigger: (b) => void released.push(b.id) });
    fake.last().open();
    fake.last().register();
    fake.last().receive({ type: 'registertrigger', id: 'b1', trigger_type: 'tick', function_id: 'f', config: null });
    await vi.waitFor(() => expect(fake.last().frames.at(-1)).toMatchObject({ type: 'triggerregistrationresult', id: 'b1' }));
    client.unregisterTriggerType({ id: 'tick' });
    expect(released).toEqual(['b1']);
    await client.shutdown();
  });
});

describe('the client emitter (eventemitter3 semantics)', () => {
  it('runs listeners in order over a snapshot, once listeners once, and off removes by function or all', () => {
    const e = new Emitter<{ x: [n: number] }>();
    const seen: string[] = [];
    const a = (n: number) => {
      seen.push(`a${n}`);
      e.off('x', b);
    };
    const b = (n: number) => void seen.push(`b${n}`);
    e.on('x', a);
    e.on('x', b);
    e.on('x', (n) => void seen.push(`once${n}`), true);
    e.emit('x', 1);
    e.emit('x', 2);
    expect(seen).toEqual(['a1', 'b1', 'once1', 'a2']);
    e.off('x');
    e.emit('x', 3);
    expect(seen).toHaveLength(4);
  });
});
