import { describe, expect, it } from 'vitest';
import { Connection } from '../../src/session/index.js';
import type { StateChange } from '../../src/events.js';
import { DEFAULT_RECONNECT } from '../../src/options.js';
import { fakePlatform } from './fakes.js';

function setup(
  overrides: { maxRetries?: number; heartbeat?: false | { intervalMs: number; timeoutMs: number }; onResume?: (cb: () => void) => () => void } = {},
) {
  // No automatic pongs: these tests play a silent engine.
  const fake = fakePlatform(overrides.onResume ? { onResume: overrides.onResume } : {}, { autoPong: false });
  const states: StateChange[] = [];
  const events: string[] = [];
  const conn = new Connection(
    {
      url: 'ws://engine.test/',
      platform: fake.platform,
      transport: fake.platform.connect,
      reconnect: { ...DEFAULT_RECONNECT, maxRetries: overrides.maxRetries ?? Infinity },
      heartbeat: overrides.heartbeat ?? { intervalMs: 20000, timeoutMs: 60000 },
      handshakeTimeoutMs: 10000,
    },
    {
      onFrame: (d) => events.push(`frame:${String(d)}`),
      onSocketLost: (e) => events.push(`lost:${e.message}`),
      onState: (c) => states.push(c),
    },
  );
  return { ...fake, conn, states, events };
}

describe('Connection state machine', () => {
  it('goes connecting → connected only after workerregistered', () => {
    const { conn, last, states, events } = setup();
    conn.start();
    expect(conn.state).toBe('connecting');
    expect(conn.canSend).toBe(false);
    last().open();
    // Nothing is written on open: the opening sequence waits for workerregistered (handshake.ts).
    expect(last().sent).toEqual([]);
    expect(events).toEqual([]);
    expect(conn.canSend).toBe(true);
    expect(conn.state).toBe('connecting');
    conn.markRegistered();
    expect(conn.state).toBe('connected');
    expect(states.map((s) => s.state)).toEqual(['connecting', 'connected']);
  });

  it('handshake timeout abandons the socket and retries with backoff', () => {
    const { conn, last, clock, transports, states } = setup();
    conn.start();
    last().open();
    clock.advance(9999);
    expect(transports).toHaveLength(1);
    clock.advance(1);
    expect(transports[0]!.closedWith?.code).toBe(4000);
    expect(conn.state).toBe('reconnecting');
    expect(states.at(-1)?.error?.message).toMatch(/handshake timed out/);
    clock.advance(1000);
    expect(transports).toHaveLength(2);
  });

  it('reconnects with exponential backoff while the engine is unreachable', () => {
    const { conn, last, clock, transports, states } = setup();
    conn.start();
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      last().drop(1006);
      const change = states.at(-1)!;
      expect(change.state).toBe('reconnecting');
      delays.push(change.delayMs!);
      clock.advance(change.delayMs!);
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000]);
    expect(transports).toHaveLength(6);
  });

  it('a connection that drops right after opening does not reset the backoff (minimum uptime)', () => {
    const { conn, last, clock, states } = setup();
    conn.start();
    last().drop(1006);
    clock.advance(1000);
    last().drop(1006);
    clock.advance(2000);
    // This one registers, but dies after 100 ms: shorter than minUptimeMs (5000).
    last().open();
    conn.markRegistered();
    clock.advance(100);
    last().drop(1005);
    expect(states.at(-1)!.delayMs).toBe(4000);
    clock.advance(4000);
    // This one lives long enough: the next drop starts over at initialDelayMs.
    last().open();
    conn.markRegistered();
    clock.advance(6000);
    last().drop(1005);
    expect(states.at(-1)!.delayMs).toBe(1000);
  });

  it('gives up after maxRetries with state failed', () => {
    const { conn, last, clock, states, transports } = setup({ maxRetries: 2 });
    conn.start();
    last().drop(1006);
    clock.advance(1000);
    last().drop(1006);
    clock.advance(2000);
    last().drop(1006);
    expect(conn.state).toBe('failed');
    expect(states.at(-1)!.error?.message).toMatch(/gave up reconnecting after 2 retries/);
    clock.advance(60000);
    expect(transports).toHaveLength(3);
    expect(clock.pending).toBe(0);
  });

  it('reports a lost socket only when it had opened', () => {
    const { conn, last, events } = setup();
    conn.start();
    last().drop(1006);
    expect(events.filter((e) => e.startsWith('lost'))).toEqual([]);
  });

  it('sends JSON pings on the heartbeat interval', () => {
    const { conn, last, clock } = setup();
    conn.start();
    last().open();
    conn.markRegistered();
    clock.advance(20000);
    expect(last().sent).toEqual(['{"type":"ping"}']);
    last().receive({ type: 'pong' });
    clock.advance(20000);
    expect(last().sent).toHaveLength(2);
  });

  it('any inbound frame resets the idle deadline', () => {
    const { conn, last, clock, transports } = setup({ heartbeat: { intervalMs: 1000, timeoutMs: 5000 } });
    conn.start();
    last().open();
    conn.markRegistered();
    for (let i = 0; i < 10; i++) {
      clock.advance(4000);
      last().receive({ type: 'invocationresult' });
    }
    expect(transports).toHaveLength(1);
    expect(conn.state).toBe('connected');
  });

  it('a silent engine past the heartbeat timeout forces a reconnect', () => {
    const { conn, last, clock, transports, events } = setup({ heartbeat: { intervalMs: 1000, timeoutMs: 5000 } });
    conn.start();
    last().open();
    conn.markRegistered();
    clock.advance(4999);
    expect(conn.state).toBe('connected');
    clock.advance(1);
    expect(transports[0]!.closedWith?.code).toBe(4001);
    expect(conn.state).toBe('reconnecting');
    expect(events.some((e) => /heartbeat timeout/.test(e))).toBe(true);
    clock.advance(1000);
    expect(transports).toHaveLength(2);
  });

  it('a hidden tab whose timers ran late is not taken for a dead engine', () => {
    const { conn, last, clock, transports } = setup();
    conn.start();
    last().open();
    conn.markRegistered();
    // Two minutes with no timer run (throttled tab): no ping went out, so nothing came back.
    clock.jump(120_000);
    clock.advance(0);
    expect(transports).toHaveLength(1);
    expect(conn.state).toBe('connected');
    expect(last().sent.at(-1)).toBe('{"type":"ping"}');
    last().receive({ type: 'pong' });
    clock.advance(30_000);
    expect(transports).toHaveLength(1);
    expect(conn.state).toBe('connected');
  });

  it('after a late wake-up, an engine that does not answer the ping is still caught', () => {
    const { conn, last, clock, transports, events } = setup();
    conn.start();
    last().open();
    conn.markRegistered();
    clock.jump(120_000);
    clock.advance(9_999);
    expect(conn.state).toBe('connected');
    clock.advance(1);
    expect(transports[0]!.closedWith?.code).toBe(4001);
    expect(events.some((e) => /heartbeat timeout/.test(e))).toBe(true);
  });

  it('a resume hint (online, tab visible) checks a connected socket at once', () => {
    let resume: (() => void) | undefined;
    const { conn, last, clock, transports, events } = setup({ onResume: (cb) => ((resume = cb), () => (resume = undefined)) });
    conn.start();
    last().open();
    conn.markRegistered();
    clock.advance(1_000);
    resume!();
    expect(last().sent).toEqual(['{"type":"ping"}']);
    last().receive({ type: 'pong' });
    clock.advance(15_000);
    expect(conn.state).toBe('connected');
    // Again, and this time the socket is dead: found within the answer window, not after 60 s.
    resume!();
    clock.advance(9_999);
    expect(conn.state).toBe('connected');
    clock.advance(1);
    expect(transports[0]!.closedWith?.code).toBe(4001);
    expect(events.some((e) => /no answer to a liveness ping for 10000ms/.test(e))).toBe(true);
  });

  it('heartbeat: false arms no timers once connected', () => {
    const { conn, last, clock } = setup({ heartbeat: false });
    conn.start();
    last().open();
    conn.markRegistered();
    expect(clock.pending).toBe(0);
  });

  it('fail() stops for good', () => {
    const { conn, last, clock, transports } = setup();
    conn.start();
    last().open();
    conn.markRegistered();
    conn.fail(new Error('fatal'));
    expect(conn.state).toBe('failed');
    expect(transports[0]!.closedWith).toBeDefined();
    clock.advance(100000);
    expect(transports).toHaveLength(1);
    expect(clock.pending).toBe(0);
  });

  it('close() is idempotent and leaves no timer behind', async () => {
    const { conn, last, clock } = setup();
    conn.start();
    last().open();
    conn.markRegistered();
    await conn.close();
    await conn.close();
    expect(conn.state).toBe('disconnected');
    expect(clock.pending).toBe(0);
  });

  it('close() while waiting to retry cancels the retry', async () => {
    const { conn, last, clock, transports } = setup();
    conn.start();
    last().drop(1006);
    await conn.close();
    clock.advance(100000);
    expect(transports).toHaveLength(1);
    expect(clock.pending).toBe(0);
  });

  it('onResume skips the backoff wait', () => {
    let resume: (() => void) | undefined;
    const fake = fakePlatform({ onResume: (cb) => ((resume = cb), () => (resume = undefined)) }, { autoPong: false });
    const conn = new Connection(
      {
        url: 'ws://x/',
        platform: fake.platform,
        transport: fake.platform.connect,
        reconnect: { ...DEFAULT_RECONNECT },
        heartbeat: false,
        handshakeTimeoutMs: 10000,
      },
      { onFrame() {}, onSocketLost() {}, onState() {} },
    );
    conn.start();
    fake.last().drop(1006);
    expect(fake.transports).toHaveLength(1);
    resume!();
    expect(fake.transports).toHaveLength(2);
    void conn.close();
    expect(resume).toBeUndefined();
  });

  it('a transport factory that throws is retried with backoff', () => {
    const fake = fakePlatform();
    let calls = 0;
    const states: StateChange[] = [];
    const conn = new Connection(
      {
        url: 'ws://x/',
        platform: fake.platform,
        transport: () => {
          calls++;
          throw new Error('no WebSocket in this runtime');
        },
        reconnect: { ...DEFAULT_RECONNECT, maxRetries: 1 },
        heartbeat: false,
        handshakeTimeoutMs: 10000,
      },
      { onFrame() {}, onSocketLost() {}, onState: (c) => states.push(c) },
    );
    conn.start();
    expect(states.at(-1)?.error?.message).toBe('no WebSocket in this runtime');
    fake.clock.advance(1000);
    expect(calls).toBe(2);
    expect(conn.state).toBe('failed');
  });
});
