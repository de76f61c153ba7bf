/**
 * The workerd transport. workerd's `new WebSocket(url)` cannot send headers, so the
 * upgrade is a `fetch()` with `Upgrade: websocket` whose 101 response carries the
 * socket (`response.webSocket`, which must be `accept()`ed before use). workerd has
 * no `bufferedAmount` and no receive pause (DESIGN.md "Runtime facts"): send-side flow
 * control comes from the core.
 */
import type { Transport, TransportFactory } from '../../src/platform.js';

/** The slice of workerd's WebSocket this transport uses. */
interface WorkerdWebSocket {
  binaryType?: string;
  accept(): void;
  send(data: string | ArrayBuffer | ArrayBufferView): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: string, listener: (event: any) => void): void;
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
    throw new TypeError(`iii-isomorphic (workers): unsupported engine URL scheme "${u.protocol}" in ${url}; use ws:// or wss://.`);
  }
  return u.toString();
}

function closeCodeAllowed(code: number | undefined): code is number {
  return code === 1000 || (code !== undefined && code >= 3000 && code <= 4999);
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
    const httpUrl = upgradeUrl(url);
    const abort = new AbortController();
    let ws: WorkerdWebSocket | undefined;
    let closed = false;
    let closeRequested: { code?: number | undefined; reason?: string | undefined } | undefined;

    const finish = (code: number, reason: string) => {
      if (closed) return;
      closed = true;
      handlers.onClose(code, reason);
    };
    const fail = (error: Error) => {
      if (closed) return;
      handlers.onError(error);
      // 1006: the socket never opened or ended without a Close frame.
      finish(1006, error.message);
    };

    const attach = (socket: WorkerdWebSocket) => {
      // Blob payloads (a runtime ignoring binaryType) are read asynchronously; this chain keeps
      // every frame, text or binary, in arrival order behind them.
      let ordered: Promise<void> | undefined;
      const deliver = (data: string | Uint8Array) => {
        if (!closed) handlers.onMessage(data);
      };
      socket.addEventListener('message', (event: { data: unknown }) => {
        if (closed) return;
        const data = event.data;
        let frame: string | Uint8Array | Promise<Uint8Array> | undefined;
        if (typeof data === 'string') frame = data;
        else if (data instanceof ArrayBuffer) frame = new Uint8Array(data);
        else if (ArrayBuffer.isView(data)) frame = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
        else if (typeof (data as Blob | undefined)?.arrayBuffer === 'function') {
          frame = (data as Blob).arrayBuffer().then((b) => new Uint8Array(b));
        }
        if (frame === undefined) {
          handlers.onError(new Error('iii-isomorphic (workers): unsupported WebSocket message payload'));
          return;
        }
        if (!ordered && !(frame instanceof Promise)) {
          deliver(frame);
          return;
        }
        const next = frame;
        const chain: Promise<void> = (ordered ?? Promise.resolve()).then(async () => deliver(await next));
        ordered = chain;
        chain.then(
          () => {
            if (ordered === chain) ordered = undefined;
          },
          (error: unknown) => {
            if (ordered === chain) ordered = undefined;
            handlers.onError(error instanceof Error ? error : new Error(String(error)));
          },
        );
      });
      socket.addEventListener('close', (event: { code?: number; reason?: string }) => {
        const code = typeof event.code === 'number' ? event.code : 1005;
        const reason = typeof event.reason === 'string' ? event.reason : '';
        if (ordered) ordered.then(() => finish(code, reason), () => finish(code, reason));
        else finish(code, reason);
      });
      socket.addEventListener('error', (event: { error?: unknown; message?: unknown }) => {
        if (closed) return;
        const err =
          event?.error instanceof Error
            ? event.error
            : new Error(`iii-isomorphic (workers): WebSocket error${typeof event?.message === 'string' ? `: ${event.message}` : ''}`);
        handlers.onError(err);
      });
    };

    const headers: Record<string, string> = { ...(options.headers ?? {}), Upgrade: 'websocket' };
    fetchFn(httpUrl, { headers, signal: abort.signal }).then(
      (response) => {
        if (closed) return;
        if (response.status !== 101 || !response.webSocket) {
          void response.body?.cancel?.();
          const detail =
            response.status === 101
              ? 'a 101 response without a webSocket'
              : `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
          fail(
            new Error(
              `iii-isomorphic (workers): the engine at ${url} answered ${detail} instead of upgrading to a WebSocket ` +
                '(expected status 101). Check the address and port of the worker endpoint.',
            ),
          );
          return;
        }
        const socket = response.webSocket;
        // workerd defaults to Blob payloads under recent compatibility dates (measured with
        // 2026-04-01); channel frames must arrive as bytes, in order.
        if ('binaryType' in socket) (socket as { binaryType: string }).binaryType = 'arraybuffer';
        socket.accept();
        ws = socket;
        attach(socket);
        if (closeRequested) {
          socket.close(closeCodeAllowed(closeRequested.code) ? closeRequested.code : 1000, closeRequested.reason);
          finish(closeRequested.code ?? 1000, closeRequested.reason ?? '');
          return;
        }
        handlers.onOpen();
      },
      (error: unknown) => {
        if (closeRequested) {
          finish(closeRequested.code ?? 1000, closeRequested.reason ?? '');
          return;
        }
        const message = error instanceof Error ? error.message : String(error);
        fail(new Error(`iii-isomorphic (workers): could not connect to ${url}: ${message}`, { cause: error }));
      },
    );

    return {
      send: (data) => {
        if (!ws) throw new Error('iii-isomorphic (workers): send() before the WebSocket opened');
        ws.send(data);
      },
      close: (code, reason) => {
        if (closed) return;
        if (!ws) {
          // Still upgrading: abort the request; the rejection reports the close.
          closeRequested = { code, reason };
          abort.abort();
          return;
        }
        try {
          ws.close(closeCodeAllowed(code) ? code : 1000, reason);
        } catch {
          ws.close(1000);
        }
      },
      // workerd exposes no bufferedAmount (DESIGN.md "Runtime facts").
      bufferedAmount: () => undefined,
    };
  };
}
