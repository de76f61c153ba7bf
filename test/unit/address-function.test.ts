/**
 * `registerWorker(() => address)`: a function asked for the address before every connection
 * attempt (a fresh token in the query each time, protocol.md §1.3). Over the fake transport and
 * clock: each attempt dials what the function gave; a throw, a rejection, a bad answer or a
 * promise that never settles fails that attempt only, which the backoff retries; calls wait
 * meanwhile; no token reaches a message, a state event or the console.
 */
import { describe, expect, it } from 'vitest';
import { III } from '../../src/client.js';
import type { StateChange } from '../../src/events.js';
import type { AddressSupplier, InitOptions } from '../../src/options.js';
import { fakePlatform, flush, type FakeTransport } from './fakes.js';

function setup(address: AddressSupplier, options: InitOptions = {}) {
  const printed: string[] = [];
  const print = (...args: unknown[]) => void printed.push(args.map(String).join(' '));
  const fake = fakePlatform({ console: { debug: print, info: print, warn: print, error: print } });
  const client = new III(fake.platform, address, {
    workerName: 'unit',
    heartbeat: false,
    reconnect: { initialDelayMs: 100, maxDelayMs: 100, jitter: 0 },
    handshakeTimeoutMs: 1000,
    ...options,
  });
  const states: StateChange[] = [];
  client.on('state', (change) => states.push(change));
  return { ...fake, client, states, printed };
}

/** Open, register and accept the announce, as the engine does. */
function connect(t: FakeTransport) {
  t.open();
  t.register();
  const announce = t.frames.find((f) => f.function_id === 'engine::workers::register')!;
  t.receive({ type: 'invocationresult', invocation_id: announce.invocation_id, function_id: 'engine::workers::register', result: { success: true } });
}

/** Everything a user could see: state events (errors and causes), the console. */
function shown(states: StateChange[], printed: string[]): string {
  const chain = (e: unknown): string => (e instanceof Error ? `${e.message} ${e.stack} ${chain(e.cause)}` : String(e ?? ''));
  return [...states.map((s) => chain(s.error)), ...printed].join('\n');
}

describe('registerWorker(address function)', () => {
  it('asks before every attempt and dials what it gives: a new token after the engine drops the socket', async () => {
    let token = 0;
    const { client, transports, clock } = setup(() => `ws://engine.test:1/?token=t${++token}`);
    expect(transports.map((t) => t.url)).toEqual(['ws://engine.test:1/?token=t1']);
    connect(transports[0]!);
    await client.ready();
    expect(client.getAddress()).toBe('ws://engine.test:1/?token=t1');
    transports[0]!.drop(1006);
    clock.advance(100);
    expect(transports.map((t) => t.url)).toEqual(['ws://engine.test:1/?token=t1', 'ws://engine.test:1/?token=t2']);
    connect(transports[1]!);
    await client.ready();
    expect(client.getAddress()).toBe('ws://engine.test:1/?token=t2');
    await client.shutdown();
  });

  it('waits for an async answer; calls made meanwhile are sent once connected', async () => {
    let give!: (url: string) => void;
    const { client, transports, states } = setup(() => new Promise<string>((resolve) => (give = resolve)));
    expect(client.connectionState).toBe('connecting');
    expect(() => client.getAddress()).toThrow(/address function has not given an address yet/);
    const call = client.trigger({ function_id: 'x::y', payload: 1, timeoutMs: 5000 });
    expect(transports).toHaveLength(0);
    give('ws://engine.test:1/?token=fresh');
    await flush();
    expect(transports.map((t) => t.url)).toEqual(['ws://engine.test:1/?token=fresh']);
    connect(transports[0]!);
    const invoke = transports[0]!.frames.find((f) => f.function_id === 'x::y')!;
    transports[0]!.receive({ type: 'invocationresult', invocation_id: invoke.invocation_id, function_id: 'x::y', result: 2 });
    await expect(call).resolves.toBe(2);
    expect(states.map((s) => s.state)).toEqual(['connected']);
    await client.shutdown();
  });

  it('a throw, a rejection or a bad answer fails that attempt with a clear cause, retried by the backoff', async () => {
    const answers: Array<() => string | Promise<string>> = [
      () => 'ws://engine.test:1/?token=s3cr3t-old',
      () => Promise.reject(new Error('refresh failed')),
      () => {
        throw new Error('token service down (last token s3cr3t-old)');
      },
      () => 'http://engine.test:1/?token=s3cr3t-http',
      () => 42 as unknown as string,
      () => 'ws://engine.test:1/?token=s3cr3t-good',
    ];
    let i = 0;
    const { client, transports, clock, states, printed } = setup(() => answers[i++]!(), { logLevel: 'debug' });
    connect(transports[0]!);
    await client.ready();
    transports[0]!.drop(1006);
    for (let n = 0; n < 5; n++) {
      clock.advance(100);
      await flush();
    }
    const causes = states.filter((s) => s.state === 'reconnecting').map((s) => s.error?.message);
    expect(causes).toEqual([
      'connection closed (code 1006, no Close frame: the engine stopped, the network dropped, or a reattach evicted this socket, §8 item 31)',
      'the address function failed: refresh failed',
      'the address function failed: token service down (last token ***)',
      'the address function returned "http://engine.test:1/?token=***": expected a ws:// or wss:// URL',
      'the address function returned number, not a ws:// or wss:// URL',
    ]);
    expect(transports.map((t) => t.url)).toEqual(['ws://engine.test:1/?token=s3cr3t-old', 'ws://engine.test:1/?token=s3cr3t-good']);
    connect(transports[1]!);
    await client.ready();
    // The function's own message quoted the last token; the http answer held another: neither is shown.
    expect(shown(states, printed)).not.toMatch(/s3cr3t/);
    await client.shutdown();
  });

  it('a promise that never settles fails the attempt after handshakeTimeoutMs, and the next attempt asks again', async () => {
    let asked = 0;
    const { client, clock, states, transports } = setup(() => (++asked === 1 ? new Promise<string>(() => {}) : 'ws://engine.test:1/'));
    clock.advance(999);
    expect(states).toHaveLength(0);
    clock.advance(1);
    expect(states.at(-1)?.error?.message).toBe('the address function did not answer within 1000ms');
    clock.advance(100);
    expect(asked).toBe(2);
    expect(transports).toHaveLength(1);
    await client.shutdown();
  });

  it('maxRetries bounds a function that keeps failing: the client fails with CONNECTION_FAILED naming the cause', async () => {
    const { client, clock } = setup(
      () => {
        throw new Error('no token');
      },
      { reconnect: { initialDelayMs: 100, maxDelayMs: 100, jitter: 0, maxRetries: 2 } },
    );
    clock.advance(100);
    clock.advance(100);
    const fatal = client.getFatalError();
    expect(fatal?.code).toBe('CONNECTION_FAILED');
    expect(fatal?.message).toMatch(/gave up reconnecting after 2 retries: the address function failed: no token/);
    await expect(client.trigger({ function_id: 'x::y', payload: 1 })).rejects.toMatchObject({ code: 'CONNECTION_FAILED' });
    await client.shutdown();
  });

  it('ready({ timeoutMs }) names the last cause and shows no token of the address', async () => {
    const { client, clock, transports } = setup(() => 'ws://engine.test:1/?token=s3cr3t-1234');
    transports[0]!.drop(1006);
    const ready = client.ready({ timeoutMs: 50 });
    await flush();
    clock.advance(50);
    const error = (await ready.catch((e: Error) => e)) as Error;
    expect(error.message).toBe(
      'ENGINE_UNREACHABLE: the engine at ws://engine.test:1/?token=*** has not accepted this worker: could not connect: closed with code 1006 (ready() waited 50 ms). Check the address and that the engine runs',
    );
    await client.shutdown();
  });

  it('shutdown while an answer is pending leaves no timer, and a late answer dials nothing', async () => {
    let give!: (url: string) => void;
    const { client, clock, transports } = setup(() => new Promise<string>((resolve) => (give = resolve)));
    await client.shutdown();
    expect(clock.delays()).toEqual([]);
    give('ws://engine.test:1/');
    await flush();
    expect(transports).toHaveLength(0);
  });

  it('a resume signal while an answer is pending does not ask twice', async () => {
    let asked = 0;
    let resume!: () => void;
    const fake = fakePlatform({ onResume: (cb) => ((resume = cb), () => {}) });
    const client = new III(fake.platform, () => (asked++, new Promise<string>(() => {})), { workerName: 'unit', heartbeat: false });
    resume();
    resume();
    expect(asked).toBe(1);
    await client.shutdown();
  });
});
