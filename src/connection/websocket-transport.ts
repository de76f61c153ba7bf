/**
 * A `TransportFactory` over any WHATWG-style WebSocket constructor: the `WebSocket` escape
 * hatch of `InitOptions` (a polyfill, a proxy-aware client, a test double).
 */
import type { Transport, TransportFactory } from '../platform.js';

/** The part of the WHATWG WebSocket this SDK uses. */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  readonly bufferedAmount?: number;
  send(data: string | ArrayBufferLike | Uint8Array): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

/**
 * A WebSocket constructor. When upgrade headers are configured they are passed as a third
 * argument `{ headers }`, the signature of `ws`, Bun and Deno; a browser constructor ignores it.
 */
export type WebSocketConstructor = new (url: string, protocols?: string | string[], options?: { headers?: Record<string, string> }) => WebSocketLike;

export function transportFromConstructor(Ctor: WebSocketConstructor): TransportFactory {
  return (url, options, handlers) => {
    const ws = options.headers ? new Ctor(url, [], { headers: options.headers }) : new Ctor(url);
    ws.binaryType = 'arraybuffer';
    let closed = false;
    ws.onopen = () => handlers.onOpen();
    ws.onmessage = (ev) => {
      const d = ev.data;
      if (typeof d === 'string') handlers.onMessage(d);
      else if (d instanceof ArrayBuffer) handlers.onMessage(new Uint8Array(d));
      else if (ArrayBuffer.isView(d)) handlers.onMessage(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
    };
    ws.onerror = (ev) => {
      const err = (ev as { error?: unknown })?.error;
      handlers.onError(err instanceof Error ? err : new Error('WebSocket error'));
    };
    ws.onclose = (ev) => {
      if (closed) return;
      closed = true;
      handlers.onClose(ev.code, ev.reason);
    };
    const transport: Transport = {
      send: (data) => ws.send(data),
      close: (code, reason) => ws.close(code, reason),
      bufferedAmount: () => ws.bufferedAmount,
    };
    return transport;
  };
}
