/**
 * A `Transport` over a WHATWG-style WebSocket. One adapter for every socket that follows the
 * WHATWG API: the global WebSocket of browsers, Deno and Bun (platform/web), workerd's upgraded
 * socket (platform/workers), and the
 * `WebSocket` escape hatch of `InitOptions` (a polyfill, a proxy-aware client, a test double).
 * It uses the `on*` properties, the part of the API every such socket has.
 */
import { toError } from '../errors.js';
import type { Transport, TransportFactory, TransportHandlers, WebSocketConstructor, WebSocketLike } from '../platform.js';
import { redactUrl } from '../redact.js';

/** Bun's built-in WebSocket also stops and restarts reading from the socket (measured). */
type PausableWebSocket = WebSocketLike & { pause?: () => void; resume?: () => void };

// The WHATWG API only lets applications close with 1000 or 3000-4999; any other
// code throws an InvalidAccessError, so those are dropped rather than thrown.
function closeCodeAllowed(code: number | undefined): code is number {
  return code === 1000 || (code !== undefined && code >= 3000 && code <= 4999);
}

/** A frame's payload: text, bytes, or bytes to come (a Blob); `undefined` for anything else. */
function payloadOf(data: unknown): string | Uint8Array | Promise<Uint8Array> | undefined {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  // Bun hands out Buffers unless binaryType is honoured; any view is bytes.
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  // A Blob: a runtime or polyfill that ignores binaryType (workerd under some compatibility dates).
  const blob = data as { arrayBuffer?: () => Promise<ArrayBuffer> } | null;
  if (typeof blob?.arrayBuffer === 'function') return blob.arrayBuffer().then((b) => new Uint8Array(b));
  return undefined;
}

/**
 * Wires `ws` to `handlers`. `label` names the socket's origin in error messages (the runtime,
 * e.g. "browser"); after the close is reported nothing else is.
 */
export function adaptWebSocket(ws: PausableWebSocket, url: string, label: string, handlers: TransportHandlers): Transport {
  // Binary channel frames must arrive as bytes, never as Blobs (browser default).
  ws.binaryType = 'arraybuffer';
  let closed = false;
  const finish = (code: number, reason: string) => {
    if (closed) return;
    closed = true;
    handlers.onClose(code, reason);
  };
  // A browser's error event says nothing more than "error" (no cause is exposed to scripts).
  const fail = (message: string) => handlers.onError(new Error(`iii-isomorphic (${label}): ${message} (${redactUrl(url)})`));
  ws.onopen = () => {
    if (!closed) handlers.onOpen();
  };
  // A Blob is read asynchronously; until it is, later frames and the close wait behind it, so
  // that everything is reported in arrival order.
  let behind: Promise<void> | undefined;
  const inOrder = (report: () => void) => {
    const chain: Promise<void> = (behind ?? Promise.resolve()).then(report);
    behind = chain;
    const done = () => {
      if (behind === chain) behind = undefined;
    };
    chain.then(done, (error: unknown) => {
      done();
      handlers.onError(toError(error));
    });
  };
  ws.onmessage = ({ data }) => {
    if (closed) return;
    const payload = payloadOf(data);
    if (payload === undefined) fail('unsupported WebSocket message payload');
    else if (!behind && !(payload instanceof Promise)) handlers.onMessage(payload);
    else inOrder(async () => {
      const p = await payload;
      if (!closed) handlers.onMessage(p);
    });
  };
  ws.onerror = (event) => {
    if (closed) return;
    const e = event as { error?: unknown; message?: unknown } | undefined;
    if (e?.error instanceof Error) handlers.onError(e.error);
    else fail(typeof e?.message === 'string' && e.message ? e.message : 'WebSocket error');
  };
  ws.onclose = (event) => {
    // Deno 2.9 reports code 0 for a socket that never opened (measured); the WHATWG value for
    // "closed without a Close frame" is 1006.
    const code = typeof event.code === 'number' && event.code > 0 ? event.code : 1006;
    const reason = typeof event.reason === 'string' ? event.reason : '';
    if (behind) inOrder(() => finish(code, reason));
    else finish(code, reason);
  };
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
          handlers.onError(toError(error));
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
}

/** The `WebSocket` option of `InitOptions`: `label` is the platform's name, for error messages. */
export function transportFromConstructor(Ctor: WebSocketConstructor, label: string): TransportFactory {
  return (url, options, handlers) =>
    adaptWebSocket(options.headers ? new Ctor(url, [], { headers: options.headers }) : new Ctor(url), url, label, handlers);
}
