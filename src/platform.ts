/**
 * The seam between the runtime-neutral core and a concrete JavaScript runtime.
 *
 * The core never chooses a runtime: every client receives one `Platform` object
 * (ARCHITECTURE.md "Layers"), so two clients in one process can use different transports
 * and tests can hand in a fake transport and a fake clock without patching globals.
 */

/** Callbacks a transport reports to. Passed at creation so no event can be missed. */
export interface TransportHandlers {
  onOpen(): void;
  /** Text frames arrive as `string`, binary frames as `Uint8Array`. */
  onMessage(data: string | Uint8Array): void;
  /** Called exactly once, whether the socket closed cleanly, failed to open, or errored. */
  onClose(code: number, reason: string): void;
  /** Informational; `onClose` always follows. */
  onError(error: Error): void;
}

/** One WebSocket, as the core sees it. */
export interface Transport {
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
  /** Bytes queued but not yet sent, or `undefined` where the runtime does not say (workerd). */
  bufferedAmount(): number | undefined;
  /**
   * Drop the socket without waiting for the peer's Close. The engine never answers a channel
   * reader's Close (protocol.md §8 item 37), so a polite close alone would keep the socket
   * until the runtime's own close timeout. Optional: where missing, `close()` is all there is.
   */
  terminate?(): void;
  /**
   * Resolves once at most `limit` bytes are left unsent, or the socket has closed, woken by the
   * runtime's own write completions instead of a polling timer; never earlier (a socket that is
   * closing keeps its unsent bytes until it has closed). Optional: only where the runtime reports
   * write completions (Node's `ws` send callback), and only on a socket opened with
   * `TransportOptions.drainWaits`.
   */
  whenBelow?(limit: number): Promise<void>;
  /** Stop delivering inbound messages (receive backpressure), where the runtime allows it. */
  pause?(): void;
  resume?(): void;
}

export interface TransportOptions {
  /** Upgrade request headers. Only honoured when `Platform.supportsHeaders` is true. */
  headers?: Record<string, string>;
  /**
   * The opener will wait for the socket to drain (a channel writer): a runtime that can report
   * write completions then offers `whenBelow`. Off by default because a completion report is not
   * free (on Node, one more `process.nextTick` per frame) and nobody waits on a session's frames.
   */
  drainWaits?: boolean;
}

export type TransportFactory = (
  url: string,
  options: TransportOptions,
  handlers: TransportHandlers,
) => Transport;

/** Opaque timer handle; whatever the platform's `setTimeout` returns. */
export type TimerHandle = unknown;

/** What a worker says about itself in `engine::workers::register` (protocol.md §1.2). */
export interface RuntimeInfo {
  runtime: string;
  os?: string;
  pid?: number;
  /** Default worker name when the user gives none. */
  defaultWorkerName(): string;
}

export interface Platform {
  /** Short runtime name used in errors and in the worker announcement. */
  readonly name: 'node' | 'browser' | 'deno' | 'workers' | 'bun' | (string & {});
  /** Whether `TransportOptions.headers` reach the engine. */
  readonly supportsHeaders: boolean;
  /** Opens a WebSocket. Looked up lazily: nothing happens until a client connects. */
  connect: TransportFactory;
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  /** A number in [0, 1) for backoff jitter; defaults to `Math.random` (called only when needed). */
  random?(): number;
  /** Lower-case hyphenated UUID v4 (protocol.md §2.1). */
  randomUUID(): string;
  /** Environment lookup (`III_URL`, ...), `undefined` where the runtime has no environment. */
  env(name: string): string | undefined;
  runtimeInfo(): RuntimeInfo;
  /**
   * Subscribe to "the network or the page came back" hints (browser `online`,
   * `visibilitychange`). Returns an unsubscribe function. Optional.
   */
  onResume?(callback: () => void): () => void;
  /** Console sink for the logger; defaults to `globalThis.console`. */
  console?: Pick<Console, 'debug' | 'info' | 'warn' | 'error'>;
  /**
   * Called once as a client is created, where a runtime ties sockets to the request that opened
   * them (Cloudflare Workers): returns a check that gives the error (`CROSS_REQUEST`) to refuse
   * work with when code no longer runs in that request. Throws where no client may be created at
   * all (module scope). Optional.
   */
  bindRequest?(): ((functionId?: string) => Error | undefined) | undefined;
}

/** The part of the WHATWG WebSocket this SDK uses (the `WebSocket` option, session/websocket.ts). */
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
