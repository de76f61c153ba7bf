// Unit tests of the browser, Deno, Bun and Workers platform adapters with fake sockets and a
// fake fetch (the real runtimes are exercised by test/runtimes/run-*.mjs).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createBrowserPlatform } from '../../platform/browser/platform.js';
import { createBunPlatform } from '../../platform/bun/platform.js';
import { createDenoPlatform } from '../../platform/deno/platform.js';
import { createWebSocketTransport, webRandomUUID } from '../../platform/web/websocket-transport.js';
import { createWorkersPlatform } from '../../platform/workers/platform.js';
import { createWorkersTransport, upgradeUrl } from '../../platform/workers/transport.js';
import type { TransportHandlers } from '../../src/platform.js';

class FakeSocket {
  static last: FakeSocket | undefined;
  binaryType = 'blob';
  readyState = 0;
  bufferedAmount = 7;
  sent: unknown[] = [];
  closed: Array<[number | undefined, string | undefined]> = [];
  listeners = new Map<string, Array<(e: any) => void>>();
  constructor(
    readonly url: string,
    readonly second?: unknown,
  ) {
    FakeSocket.last = this;
  }
  addEventListener(type: string, l: (e: any) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), l]);
  }
  emit(type: string, event: unknown = {}) {
    for (const l of this.listeners.get(type) ?? []) l(event);
    // The shared adapter (src/session/websocket.ts) uses the on* properties.
    (this as unknown as Record<string, ((e: unknown) => void) | null>)[`on${type}`]?.(event);
  }
  send(d: unknown) {
    this.sent.push(d);
  }
  close(code?: number, reason?: string) {
    this.closed.push([code, reason]);
  }
}

class PausableSocket extends FakeSocket {
  paused = 0;
  pause() {
    this.paused++;
  }
  resume() {
    this.paused--;
  }
}

function recorder() {
  const events: unknown[] = [];
  const handlers: TransportHandlers = {
    onOpen: () => events.push('open'),
    onMessage: (d) => events.push(typeof d === 'string' ? `text:${d}` : `bytes:${Array.from(d).join(',')}`),
    onClose: (code, reason) => events.push(`close:${code}:${reason}`),
    onError: (e) => events.push(`error:${e.message}`),
  };
  return { events, handlers };
}

afterEach(() => {
  vi.unstubAllGlobals();
  FakeSocket.last = undefined;
});

describe('web WebSocket transport', () => {
  it('looks the constructor up when connecting and names the runtime and the fix when missing', () => {
    vi.stubGlobal('WebSocket', undefined);
    const platform = createDenoPlatform(); // creating a platform never touches WebSocket
    const { handlers } = recorder();
    expect(() => platform.connect('ws://127.0.0.1:1', {}, handlers)).toThrow(/iii-isomorphic \(deno\).*no global WebSocket.*WebSocket` option/);
    vi.stubGlobal('WebSocket', FakeSocket);
    platform.connect('ws://127.0.0.1:1', {}, handlers);
    expect(FakeSocket.last?.url).toBe('ws://127.0.0.1:1');
  });

  it('passes headers as {headers} on Deno and Bun, never on a browser', () => {
    vi.stubGlobal('WebSocket', FakeSocket);
    const { handlers } = recorder();
    const headers = { authorization: 'Bearer x' };
    createDenoPlatform().connect('ws://h/', { headers }, handlers);
    expect(FakeSocket.last?.second).toEqual({ headers });
    createBunPlatform().connect('ws://h/', { headers }, handlers);
    expect(FakeSocket.last?.second).toEqual({ headers });
    createBrowserPlatform().connect('ws://h/', { headers }, handlers);
    expect(FakeSocket.last?.second).toBeUndefined();
    createDenoPlatform().connect('ws://h/', {}, handlers);
    expect(FakeSocket.last?.second).toBeUndefined();
    expect(createBrowserPlatform().supportsHeaders).toBe(false);
    expect(createDenoPlatform().supportsHeaders).toBe(true);
    expect(createBunPlatform().supportsHeaders).toBe(true);
  });

  it('delivers text and bytes, reports close once, and normalises a missing close code', () => {
    const { events, handlers } = recorder();
    const t = createWebSocketTransport({ runtime: 'deno', headers: true, WebSocket: FakeSocket as never })('ws://h/', {}, handlers);
    const ws = FakeSocket.last!;
    expect(ws.binaryType).toBe('arraybuffer');
    ws.emit('open');
    ws.emit('message', { data: 'hi' });
    ws.emit('message', { data: new Uint8Array([1, 2]).buffer });
    ws.emit('message', { data: new Uint8Array([9, 3, 4]).subarray(1) });
    ws.emit('error', {});
    ws.emit('close', { code: 0, reason: '' });
    ws.emit('close', { code: 1000, reason: 'again' });
    expect(events).toEqual(['open', 'text:hi', 'bytes:1,2', 'bytes:3,4', expect.stringMatching(/^error:/), 'close:1006:']);
    expect(t.bufferedAmount()).toBe(7);
    t.send('x');
    expect(ws.sent).toEqual(['x']);
  });

  it('drops close codes a WHATWG socket would refuse', () => {
    const { handlers } = recorder();
    const t = createWebSocketTransport({ runtime: 'browser', headers: false, WebSocket: FakeSocket as never })('ws://h/', {}, handlers);
    t.close(1000, 'bye');
    t.close(4001, 'app');
    t.close(1001, 'going away');
    expect(FakeSocket.last?.closed).toEqual([
      [1000, 'bye'],
      [4001, 'app'],
      [undefined, undefined],
    ]);
  });

  it('exposes pause/resume only where the socket has them (Bun)', () => {
    const { handlers } = recorder();
    const plain = createWebSocketTransport({ runtime: 'deno', headers: true, WebSocket: FakeSocket as never })('ws://h/', {}, handlers);
    expect(plain.pause).toBeUndefined();
    const bun = createWebSocketTransport({ runtime: 'bun', headers: true, WebSocket: PausableSocket as never })('ws://h/', {}, handlers);
    bun.pause!();
    expect((FakeSocket.last as PausableSocket).paused).toBe(1);
    bun.resume!();
    expect((FakeSocket.last as PausableSocket).paused).toBe(0);
  });

  it('makes v4 UUIDs without randomUUID (insecure browser contexts)', () => {
    const real = globalThis.crypto;
    vi.stubGlobal('crypto', { getRandomValues: (b: Uint8Array) => real.getRandomValues(b) });
    expect(webRandomUUID()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('browser platform', () => {
  it('has no environment and names workers browser:<hex>', () => {
    const p = createBrowserPlatform();
    expect(p.env('III_URL')).toBeUndefined();
    const info = p.runtimeInfo();
    expect(info.runtime).toBe('browser');
    expect(info.defaultWorkerName()).toMatch(/^browser:[0-9a-f]{8}$/);
  });

  it('onResume fires on `online` and on becoming visible, and unsubscribes', () => {
    const target = new EventTarget();
    const doc = Object.assign(new EventTarget(), { visibilityState: 'hidden' });
    vi.stubGlobal('addEventListener', target.addEventListener.bind(target));
    vi.stubGlobal('removeEventListener', target.removeEventListener.bind(target));
    vi.stubGlobal('document', doc);
    const cb = vi.fn();
    const off = createBrowserPlatform().onResume!(cb);
    target.dispatchEvent(new Event('online'));
    doc.dispatchEvent(new Event('visibilitychange')); // still hidden: no hint
    doc.visibilityState = 'visible';
    doc.dispatchEvent(new Event('visibilitychange'));
    expect(cb).toHaveBeenCalledTimes(2);
    off();
    target.dispatchEvent(new Event('online'));
    doc.dispatchEvent(new Event('visibilitychange'));
    expect(cb).toHaveBeenCalledTimes(2);
  });
});

describe('deno platform', () => {
  it('reads Deno.env, and a missing permission reads as unset', () => {
    vi.stubGlobal('Deno', {
      env: {
        get: (n: string) => {
          if (n === 'SECRET') throw new Error('NotCapable: Requires env access');
          return n === 'III_URL' ? 'ws://deno:1' : undefined;
        },
      },
      pid: 42,
      hostname: () => 'box',
      build: { os: 'linux', arch: 'x86_64' },
      version: { deno: '2.9.6' },
    });
    const p = createDenoPlatform();
    expect(p.env('III_URL')).toBe('ws://deno:1');
    expect(p.env('SECRET')).toBeUndefined();
    const info = p.runtimeInfo();
    expect(info).toMatchObject({ runtime: 'deno', pid: 42, os: 'linux (x86_64)' });
    expect(info.defaultWorkerName()).toBe('box:42');
  });
});

describe('workers transport', () => {
  class FakeWorkerdSocket extends FakeSocket {
    accepted = false;
    accept() {
      this.accepted = true;
    }
  }

  it('maps ws:// to http:// and refuses other schemes', () => {
    expect(upgradeUrl('ws://127.0.0.1:49134/?token=a')).toBe('http://127.0.0.1:49134/?token=a');
    expect(upgradeUrl('wss://e.example/ws/channels/x?key=k&dir=read')).toBe('https://e.example/ws/channels/x?key=k&dir=read');
    expect(() => upgradeUrl('ftp://x/')).toThrow(/ws:\/\/ or wss:\/\//);
  });

  it('upgrades with fetch + Upgrade header, accepts the socket and opens', async () => {
    const socket = new FakeWorkerdSocket('');
    const fetch = vi.fn(async () => ({ status: 101, webSocket: socket }));
    const { events, handlers } = recorder();
    const t = createWorkersTransport({ fetch })('ws://127.0.0.1:9/?t=1', { headers: { 'x-token': 'a' } }, handlers);
    expect(t.bufferedAmount()).toBeUndefined();
    await vi.waitFor(() => expect(events).toEqual(['open']));
    const call = fetch.mock.calls[0] as unknown as [string, { headers: Record<string, string> }];
    expect(call[0]).toBe('http://127.0.0.1:9/?t=1');
    expect(call[1].headers).toEqual({ 'x-token': 'a', Upgrade: 'websocket' });
    expect(socket.accepted).toBe(true);
    expect(socket.binaryType).toBe('arraybuffer');
    t.send('frame');
    expect(socket.sent).toEqual(['frame']);
    socket.emit('message', { data: new Uint8Array([5]).buffer });
    socket.emit('close', { code: 1005, reason: '' });
    expect(events).toEqual(['open', 'bytes:5', 'close:1005:']);
  });

  it('keeps frames in order behind Blob payloads', async () => {
    const socket = new FakeWorkerdSocket('');
    const { events, handlers } = recorder();
    createWorkersTransport({ fetch: async () => ({ status: 101, webSocket: socket }) })('ws://h/', {}, handlers);
    await vi.waitFor(() => expect(events).toEqual(['open']));
    socket.emit('message', { data: new Blob([new Uint8Array([1, 2])]) });
    socket.emit('message', { data: 'after' });
    socket.emit('close', { code: 1000, reason: 'done' });
    await vi.waitFor(() => expect(events).toEqual(['open', 'bytes:1,2', 'text:after', 'close:1000:done']));
  });

  it('explains a response that is not a 101 upgrade', async () => {
    const { events, handlers } = recorder();
    createWorkersTransport({ fetch: async () => ({ status: 404, statusText: 'Not Found', webSocket: null }) })('ws://h:1/', {}, handlers);
    await vi.waitFor(() => expect(events).toHaveLength(2));
    expect(events[0]).toMatch(/error:iii-isomorphic \(workers\): the engine at ws:\/\/h:1\/ answered HTTP 404 Not Found .*expected status 101/);
    expect(events[1]).toMatch(/^close:1006:/);
  });

  it('reports a failed fetch, and a close while upgrading aborts the request quietly', async () => {
    const failing = recorder();
    createWorkersTransport({ fetch: async () => Promise.reject(new Error('connection refused')) })('ws://h:1/', {}, failing.handlers);
    await vi.waitFor(() => expect(failing.events).toEqual([expect.stringMatching(/could not connect to ws:\/\/h:1\/: connection refused/), expect.stringMatching(/^close:1006:/)]));

    let signal: AbortSignal | undefined;
    const aborted = recorder();
    const t = createWorkersTransport({
      fetch: (_url, init) =>
        new Promise((_, reject) => {
          signal = init.signal;
          init.signal?.addEventListener('abort', () => reject(new Error('aborted')));
        }),
    })('ws://h:1/', {}, aborted.handlers);
    t.close(1000, 'bye');
    expect(signal?.aborted).toBe(true);
    await vi.waitFor(() => expect(aborted.events).toEqual(['close:1000:bye']));
  });

  it('throws a clear error without fetch', () => {
    vi.stubGlobal('fetch', undefined);
    const { handlers } = recorder();
    expect(() => createWorkersPlatform().connect('ws://h/', {}, handlers)).toThrow(/iii-isomorphic \(workers\): no global fetch/);
  });
});

describe('workers platform', () => {
  it('reads env only from the bindings it was given', () => {
    expect(createWorkersPlatform().env('III_URL')).toBeUndefined();
    const p = createWorkersPlatform({ env: { III_URL: 'ws://bound:1', KV: {} } });
    expect(p.env('III_URL')).toBe('ws://bound:1');
    expect(p.env('KV')).toBeUndefined();
    expect(p.runtimeInfo().runtime).toBe('workers');
    expect(p.runtimeInfo().defaultWorkerName()).toMatch(/^workers:[0-9a-f]{8}$/);
    expect(p.randomUUID()).toMatch(/^[0-9a-f-]{36}$/);
  });
});
