/**
 * Node's `Platform`: `ws` (through isomorphic-ws) for upgrade headers, WS-level
 * ping/pong, an accurate `bufferedAmount` and `pause()`/`resume()` for receive
 * backpressure (DESIGN.md "Runtime facts").
 */
import os from 'node:os';
import WebSocket from 'isomorphic-ws';
import type { Platform, Transport, TransportFactory } from '../../src/platform.js';
import { flatRandomUUID } from './uuid.js';

function toBytes(data: WebSocket.RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  // A Buffer is a Uint8Array already; hand it over without copying.
  return data;
}

export const connectNodeWebSocket: TransportFactory = (url, options, handlers) => {
  // perMessageDeflate off: the engine never negotiates it and compressing 64 KiB
  // channel frames costs more CPU than loopback bandwidth saves.
  const ws = new WebSocket(url, { headers: options.headers, perMessageDeflate: false });
  let closed = false;
  // Writers waiting for the socket to drain below their limit, woken by ws's per-frame write
  // callbacks (that frame reached the kernel): no timer polling on Node.
  let waiters: Array<{ limit: number; wake: () => void }> = [];
  const onWritten = (): void => {
    if (waiters.length === 0) return;
    const left = ws.bufferedAmount;
    const still: typeof waiters = [];
    for (const w of waiters) (left <= w.limit ? w.wake() : still.push(w));
    waiters = still;
  };
  ws.on('open', () => handlers.onOpen());
  ws.on('message', (data, isBinary) => {
    handlers.onMessage(isBinary ? toBytes(data) : data.toString());
  });
  ws.on('error', (err) => handlers.onError(err instanceof Error ? err : new Error(String(err))));
  ws.on('close', (code, reason) => {
    if (closed) return;
    closed = true;
    // Nothing drains any more: the writers see the closed phase and stop.
    const all = waiters;
    waiters = [];
    for (const w of all) w.wake();
    handlers.onClose(code, reason.toString());
  });
  const transport: Transport = {
    // Only binary frames (channel data) ask for the callback: protocol frames cost what they did.
    send: (data) => (typeof data === 'string' ? ws.send(data) : ws.send(data, onWritten)),
    whenBelow: (limit, signal) => {
      if (ws.readyState !== WebSocket.OPEN || ws.bufferedAmount <= limit || signal?.aborted) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const wake = (): void => {
          signal?.removeEventListener('abort', wake);
          resolve();
        };
        signal?.addEventListener('abort', wake, { once: true });
        waiters.push({ limit, wake });
      });
    },
    close: (code, reason) => {
      if (ws.readyState === WebSocket.CONNECTING) {
        // ws throws on close() before the handshake; terminate aborts the request instead.
        ws.terminate();
        return;
      }
      ws.close(code, reason);
    },
    terminate: () => ws.terminate(),
    bufferedAmount: () => ws.bufferedAmount,
    pause: () => ws.pause(),
    resume: () => ws.resume(),
  };
  return transport;
};

export function createNodePlatform(): Platform {
  return {
    name: 'node',
    supportsHeaders: true,
    connect: connectNodeWebSocket,
    now: () => Date.now(),
    setTimeout: (fn, ms) => {
      const t = setTimeout(fn, ms);
      return t;
    },
    clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
    randomUUID: flatRandomUUID,
    env: (name) => process.env[name],
    runtimeInfo: () => ({
      runtime: 'node',
      os: `${os.platform()} ${os.release()} (${os.arch()})`,
      pid: process.pid,
      defaultWorkerName: () => `${os.hostname()}:${process.pid}`,
    }),
  };
}
