/**
 * The transport shared by every runtime whose WebSocket follows the WHATWG API:
 * browsers, Deno and Bun (docs/runtimes.md). workerd is different: its
 * `new WebSocket()` cannot carry headers, so it has its own fetch-upgrade transport.
 *
 * The constructor is looked up when a client connects, never at import:
 * importing an entry on a runtime without a WebSocket must
 * not fail, and the failure, when the user does connect, names the runtime and the fix.
 */
import { adaptWebSocket } from '../../src/session/websocket.js';
import type { TransportFactory, WebSocketLike } from '../../src/platform.js';

export type WebSocketConstructorLike = new (url: string, optionsOrProtocols?: any) => WebSocketLike;

export interface WebSocketTransportConfig {
  /** Runtime name used in error messages ("browser", "deno", "bun"). */
  runtime: string;
  /**
   * Pass upgrade headers as `new WebSocket(url, {headers})`. Measured: Deno 2.9 and
   * Bun 1.4 deliver them; a browser throws on an options object as second argument.
   */
  headers: boolean;
  /** An explicit constructor (tests, custom platforms); otherwise `globalThis.WebSocket`, looked up per connection. */
  WebSocket?: WebSocketConstructorLike | undefined;
  /** What the user should do when no WebSocket exists, appended to the error. */
  fix?: string;
}

/** Looks the constructor up at call time; throws a TypeError naming the runtime and the fix. */
export function resolveWebSocket(config: WebSocketTransportConfig): WebSocketConstructorLike {
  const ctor = config.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructorLike }).WebSocket;
  if (typeof ctor !== 'function') {
    throw new TypeError(
      `iii-isomorphic (${config.runtime}): no global WebSocket in this runtime. ` +
        (config.fix ??
          'Use a runtime with a WHATWG WebSocket, or pass a constructor with the `WebSocket` option of registerWorker().'),
    );
  }
  return ctor;
}

/** Builds a `TransportFactory` over the runtime's WHATWG WebSocket (the adapter is shared: src/session/websocket.ts). */
export function createWebSocketTransport(config: WebSocketTransportConfig): TransportFactory {
  return (url, options, handlers) => {
    const Ctor = resolveWebSocket(config);
    const headers = config.headers ? options.headers : undefined;
    const ws = headers && Object.keys(headers).length > 0 ? new Ctor(url, { headers }) : new Ctor(url);
    return adaptWebSocket(ws, url, config.runtime, handlers);
  };
}

/** Lower-case hyphenated UUID v4 from Web Crypto (protocol.md §2.1). */
export function webRandomUUID(): string {
  const c = (globalThis as { crypto?: Crypto }).crypto;
  if (c && typeof c.randomUUID === 'function') return c.randomUUID();
  if (!c || typeof c.getRandomValues !== 'function') {
    throw new TypeError('iii-isomorphic: Web Crypto (crypto.getRandomValues) is required to generate ids.');
  }
  // Insecure contexts (plain-http pages) lack randomUUID but keep getRandomValues.
  const b = c.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  // 8-4-4-4-12 hex digits.
  return h.replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-');
}

/** Eight random hex digits for default worker names such as `browser:1a2b3c4d` (§1.2). */
export function shortRandomHex(randomUUID: () => string): string {
  // A UUID's first group is eight hex digits.
  return randomUUID().slice(0, 8);
}

/** `navigator.userAgent` where the runtime has one. */
export function userAgent(): string | undefined {
  const nav = (globalThis as { navigator?: { userAgent?: unknown } }).navigator;
  return typeof nav?.userAgent === 'string' && nav.userAgent ? nav.userAgent : undefined;
}
