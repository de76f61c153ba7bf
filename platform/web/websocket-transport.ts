/**
 * The transport shared by every runtime whose WebSocket follows the WHATWG API:
 * browsers, Deno and Bun (DESIGN.md "Transports"). workerd is different: its
 * `new WebSocket()` cannot carry headers, so it has its own fetch-upgrade transport.
 *
 * The constructor is looked up when a client connects, never at import
 * (PRACTICES.md item 4): importing an entry on a runtime without a WebSocket must
 * not fail, and the failure, when the user does connect, names the runtime and the fix.
 */
import type { Transport, TransportFactory, TransportHandlers } from '../../src/platform.js';

/** The slice of a WHATWG WebSocket this transport uses. */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: string | ArrayBufferLike | ArrayBufferView): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: string, listener: (event: any) => void): void;
  /** Bun's built-in WebSocket only: stops reading from the socket (measured). */
  pause?: () => void;
  resume?: () => void;
}

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

// The WHATWG API only lets applications close with 1000 or 3000-4999; any other
// code throws an InvalidAccessError, so those are dropped rather than thrown.
function closeCodeAllowed(code: number | undefined): code is number {
  return code === 1000 || (code !== undefined && code >= 3000 && code <= 4999);
}

function toBytes(data: unknown): Uint8Array | undefined {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  // Bun hands out Buffers unless binaryType is honoured; any view is bytes.
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return undefined;
}

function errorOf(event: unknown, runtime: string, url: string): Error {
  const e = event as { error?: unknown; message?: unknown } | undefined;
  if (e?.error instanceof Error) return e.error;
  const message = typeof e?.message === 'string' && e.message ? e.message : 'WebSocket error';
  return new Error(`iii-isomorphic (${runtime}): ${message} (${url})`);
}

/** Builds a `TransportFactory` over a WHATWG WebSocket. */
export function createWebSocketTransport(config: WebSocketTransportConfig): TransportFactory {
  return (url: string, options, handlers: TransportHandlers): Transport => {
    const Ctor = resolveWebSocket(config);
    const headers = options.headers;
    const ws =
      config.headers && headers && Object.keys(headers).length > 0 ? new Ctor(url, { headers }) : new Ctor(url);
    // Binary channel frames must arrive as bytes, never as Blobs (browser default).
    ws.binaryType = 'arraybuffer';
    let closed = false;
    const finish = (code: number, reason: string) => {
      if (closed) return;
      closed = true;
      handlers.onClose(code, reason);
    };
    ws.addEventListener('open', () => {
      if (!closed) handlers.onOpen();
    });
    ws.addEventListener('message', (event: { data: unknown }) => {
      if (closed) return;
      const data = event.data;
      if (typeof data === 'string') {
        handlers.onMessage(data);
        return;
      }
      const bytes = toBytes(data);
      if (bytes) {
        handlers.onMessage(bytes);
        return;
      }
      handlers.onError(new Error(`iii-isomorphic (${config.runtime}): unsupported WebSocket message payload`));
    });
    ws.addEventListener('error', (event: unknown) => {
      if (!closed) handlers.onError(errorOf(event, config.runtime, url));
    });
    ws.addEventListener('close', (event: { code?: number; reason?: string }) => {
      // Deno 2.9 reports code 0 for a socket that never opened (measured); the WHATWG value for
      // "closed without a Close frame" is 1006.
      const code = typeof event.code === 'number' && event.code > 0 ? event.code : 1006;
      finish(code, typeof event.reason === 'string' ? event.reason : '');
    });
    const transport: Transport = {
      send: (data) => ws.send(data),
      close: (code, reason) => {
        try {
          if (closeCodeAllowed(code)) ws.close(code, reason);
          else ws.close();
        } catch {
          // An invalid reason (over 123 bytes) throws; close without one.
          try {
            ws.close();
          } catch (error) {
            handlers.onError(error instanceof Error ? error : new Error(String(error)));
            finish(1006, 'close failed');
          }
        }
      },
      bufferedAmount: () => ws.bufferedAmount,
    };
    if (typeof ws.pause === 'function' && typeof ws.resume === 'function') {
      transport.pause = () => ws.pause!();
      transport.resume = () => ws.resume!();
    }
    return transport;
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
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Eight random hex digits for default worker names such as `browser:1a2b3c4d` (§1.2). */
export function shortRandomHex(randomUUID: () => string): string {
  return randomUUID().replace(/-/g, '').slice(0, 8);
}

/** `navigator.userAgent` where the runtime has one. */
export function userAgent(): string | undefined {
  const nav = (globalThis as { navigator?: { userAgent?: unknown } }).navigator;
  return typeof nav?.userAgent === 'string' && nav.userAgent ? nav.userAgent : undefined;
}
