/**
 * The workerd transport. workerd's `new WebSocket(url)` cannot send headers, so the upgrade is a
 * `fetch()` with `Upgrade: websocket` whose 101 response carries the socket
 * (`response.webSocket`, which must be `accept()`ed before use). The accepted socket is a WHATWG
 * one (measured: its `on*` handlers fire), so from there on it goes through the adapter every web
 * runtime shares (src/session/websocket.ts). workerd has no `bufferedAmount` and no receive
 * pause (docs/runtimes.md "Runtime facts"): send-side flow control comes from the core.
 */
import type { Transport, TransportFactory, WebSocketLike } from '../../src/platform.js';
import { redactUrl } from '../../src/redact.js';
import { adaptWebSocket } from '../../src/session/websocket.js';

/** What workerd's upgraded socket is declared as (its `on*` handlers are there, unlisted). */
interface WorkerdWebSocket {
  binaryType?: string;
  accept(): void;
  send(data: string | ArrayBuffer | ArrayBufferView): void;
  close(code?: number, reason?: string): void;
}

type FetchLike = (input: string, init: { headers: Record<string, string>; signal?: AbortSignal }) => Promise<{
  status: number;
  statusText?: string;
  webSocket?: WorkerdWebSocket | null;
  body?: { cancel?(): unknown } | null;
}>;

/** `ws://` → `http://`, `wss://` → `https://`; http(s) URLs are kept. */
export function upgradeUrl(url: string): string {
  const u = new URL(url);
  if (u.protocol === 'ws:') u.protocol = 'http:';
  else if (u.protocol === 'wss:') u.protocol = 'https:';
  else if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new TypeError(`iii-isomorphic (workers): unsupported engine URL scheme "${u.protocol}" in ${redactUrl(url)}; use ws:// or wss://.`);
  }
  return u.toString();
}

export interface WorkersTransportConfig {
  /** A fetch to use instead of `globalThis.fetch` (a service binding's `fetch`, for instance). */
  fetch?: FetchLike | undefined;
}

export function createWorkersTransport(config: WorkersTransportConfig = {}): TransportFactory {
  return (url, options, handlers): Transport => {
    const fetchFn = config.fetch ?? (globalThis as { fetch?: FetchLike }).fetch;
    if (typeof fetchFn !== 'function') {
      throw new TypeError(
        'iii-isomorphic (workers): no global fetch in this runtime. Import the entry for your runtime ' +
          '(iii-isomorphic/node, /browser, /deno) or run inside a Cloudflare Worker.',
      );
    }
    const abort = new AbortController();
    let socket: Transport | undefined;
    let ended = false;
    /** A close asked for while the upgrade is still under way. */
    let closeRequested: { code?: number | undefined; reason?: string | undefined } | undefined;
    const end = (code: number, reason: string, error?: Error) => {
      if (ended) return;
      ended = true;
      if (error) handlers.onError(error);
      handlers.onClose(code, reason);
    };
    const headers: Record<string, string> = { ...(options.headers ?? {}), Upgrade: 'websocket' };
    fetchFn(upgradeUrl(url), { headers, signal: abort.signal }).then(
      (response) => {
        if (ended) return;
        const ws = response.webSocket;
        if (response.status !== 101 || !ws) {
          void response.body?.cancel?.();
          const detail = response.status === 101 ? 'a 101 response without a webSocket' : `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
          const message =
            `iii-isomorphic (workers): the engine at ${redactUrl(url)} answered ${detail} instead of upgrading to a WebSocket ` +
            '(expected status 101). Check the address and port of the worker endpoint.';
          // 1006: the socket never opened.
          end(1006, message, new Error(message));
          return;
        }
        ws.accept();
        socket = adaptWebSocket(ws as unknown as WebSocketLike, url, 'workers', { ...handlers, onClose: (code, reason) => end(code, reason) });
        if (closeRequested) {
          socket.close(closeRequested.code, closeRequested.reason);
          end(closeRequested.code ?? 1000, closeRequested.reason ?? '');
          return;
        }
        // Accepted means open: workerd fires no open event for an upgraded socket.
        handlers.onOpen();
      },
      (error: unknown) => {
        if (closeRequested) return end(closeRequested.code ?? 1000, closeRequested.reason ?? '');
        const message = `iii-isomorphic (workers): could not connect to ${redactUrl(url)}: ${error instanceof Error ? error.message : String(error)}`;
        end(1006, message, new Error(message, { cause: error }));
      },
    );
    return {
      send: (data) => {
        if (!socket) throw new Error('iii-isomorphic (workers): send() before the WebSocket opened');
        socket.send(data);
      },
      close: (code, reason) => {
        if (ended) return;
        if (socket) return socket.close(code, reason);
        // Still upgrading: abort the request; its rejection reports the close.
        closeRequested = { code, reason };
        abort.abort();
      },
      // workerd exposes no bufferedAmount (docs/runtimes.md "Runtime facts").
      bufferedAmount: () => undefined,
    };
  };
}
