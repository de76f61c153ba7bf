/**
 * Node's `Platform`: `ws` (through isomorphic-ws) for upgrade headers, WS-level
 * ping/pong, an accurate `bufferedAmount` and `pause()`/`resume()` for receive
 * backpressure (docs/runtimes.md "Runtime facts").
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
  // callbacks (that frame reached the kernel): no timer polling on Node. A waiter removes itself.
  const waiters = new Set<{ limit: number; wake: () => void }>();
  const onWritten = (): void => {
    if (waiters.size === 0) return;
    const left = ws.bufferedAmount;
    for (const w of waiters) if (left <= w.limit) w.wake();
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
    for (const w of waiters) w.wake();
    handlers.onClose(code, reason.toString());
  });
  // Where someone waits for the drain, every frame reports its write completion (a channel
  // writer waits for its abort frame too); elsewhere none does (TransportOptions.drainWaits).
  const written = options.drainWaits ? onWritten : undefined;
  const whenBelow = (limit: number): Promise<void> => {
    // Not "resolve unless OPEN": a socket whose peer went away is CLOSING with bytes it will
    // never send, and a writer looping on such a wait never yielded to the event loop that
    // had to deliver the close (issue 10 item 1). Such a wait ends with the close instead.
    if (closed || ws.bufferedAmount <= limit) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const waiter = {
        limit,
        wake: (): void => {
          waiters.delete(waiter);
          resolve();
        },
      };
      waiters.add(waiter);
    });
  };
  const transport: Transport = {
    send: (data) => ws.send(data, written),
    ...(options.drainWaits ? { whenBelow } : {}),
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
