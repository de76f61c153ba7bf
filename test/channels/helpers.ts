// Test helpers for the channel suites: the engine (reference, or the external one of
// III_TEST_ENGINE_URL), a raw worker socket that calls `engine::channels::create` (so these
// tests need no SDK core), bounded waits, byte helpers.
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { startEngine } from '../engine/index.js';
import { externalEngine } from '../external-engine.js';
import { createNodePlatform } from '../../platform/node/platform.js';
import type { Platform, Transport } from '../../src/platform.js';
import type { StreamChannelRef } from '../../src/channels/ref.js';

export const WAIT_MS = 5000;

export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

export interface ChannelEngine {
  /** The worker listener; channel URLs are built from it. */
  url: string;
  close(): Promise<void>;
}

/** The external engine when one is configured, else a reference engine on a free port. */
export async function channelEngine(): Promise<ChannelEngine> {
  if (externalEngine) return { url: externalEngine.url, close: async () => undefined };
  return startEngine({ port: 0 });
}

export interface ChannelPair {
  reader: StreamChannelRef;
  writer: StreamChannelRef;
}

/** One raw worker connection used only to create channels (protocol.md §4.1). */
export class ChannelFactory {
  readonly #ws: WebSocket;
  readonly #pending = new Map<string, { resolve(v: ChannelPair): void; reject(e: Error): void }>();
  readonly #registered: Promise<void>;

  private constructor(url: string) {
    this.#ws = new WebSocket(url, { perMessageDeflate: false });
    this.#registered = new Promise<void>((resolve, reject) => {
      this.#ws.on('error', reject);
      this.#ws.on('close', () => reject(new Error('worker socket closed before workerregistered')));
      this.#ws.on('message', (data, isBinary) => {
        if (isBinary) return;
        const frame = JSON.parse(data.toString()) as Record<string, unknown>;
        if (frame.type === 'workerregistered') resolve();
        if (frame.type === 'invocationresult') {
          const waiter = this.#pending.get(String(frame.invocation_id));
          if (!waiter) return;
          this.#pending.delete(String(frame.invocation_id));
          if (frame.error) waiter.reject(new Error(`channels::create failed: ${JSON.stringify(frame.error)}`));
          else waiter.resolve(frame.result as ChannelPair);
        }
      });
    });
  }

  static async connect(engineUrl: string): Promise<ChannelFactory> {
    const factory = new ChannelFactory(engineUrl);
    await within(factory.#registered, WAIT_MS, 'workerregistered');
    return factory;
  }

  create(bufferSize?: number): Promise<ChannelPair> {
    const id = randomUUID();
    const result = new Promise<ChannelPair>((resolve, reject) => this.#pending.set(id, { resolve, reject }));
    this.#ws.send(
      JSON.stringify({
        type: 'invokefunction',
        invocation_id: id,
        function_id: 'engine::channels::create',
        data: bufferSize === undefined ? {} : { buffer_size: bufferSize },
      }),
    );
    return within(result, WAIT_MS, 'engine::channels::create result');
  }

  close(): void {
    this.#ws.terminate();
  }
}

/**
 * The Node platform with a transport that can be dropped without a closing handshake
 * (`terminate`), which `ChannelReader` uses when present: the engine never answers a reader's
 * Close (§8 item 37), and `ws` would otherwise keep the socket for its 30 s close timeout.
 */
export function terminablePlatform(): Platform {
  const base = createNodePlatform();
  return {
    ...base,
    connect: (url, options, handlers) => {
      const ws = new WebSocket(url, { headers: options.headers, perMessageDeflate: false });
      let closed = false;
      ws.on('open', () => handlers.onOpen());
      ws.on('message', (data, isBinary) => {
        const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
        handlers.onMessage(isBinary ? new Uint8Array(bytes) : bytes.toString());
      });
      ws.on('error', (error) => handlers.onError(error));
      ws.on('close', (code, reason) => {
        if (closed) return;
        closed = true;
        handlers.onClose(code, reason.toString());
      });
      const transport: Transport & { terminate(): void } = {
        send: (data) => ws.send(data),
        close: (code, reason) => (ws.readyState === WebSocket.CONNECTING ? ws.terminate() : ws.close(code, reason)),
        terminate: () => ws.terminate(),
        bufferedAmount: () => ws.bufferedAmount,
        pause: () => ws.pause(),
        resume: () => ws.resume(),
      };
      return transport;
    },
  };
}

/** A platform whose transports hide `bufferedAmount` and `pause`, like workerd's. */
export function unmeteredPlatform(base: Platform = createNodePlatform()): Platform {
  return {
    ...base,
    connect: (url, options, handlers) => {
      const inner = base.connect(url, options, handlers);
      return {
        send: (data) => inner.send(data),
        close: (code, reason) => inner.close(code, reason),
        bufferedAmount: () => undefined,
      };
    },
  };
}

/** Deterministic pseudo-random bytes (xorshift), cheap enough for tens of MiB. */
export function patternBytes(size: number, seed = 1): Uint8Array {
  const out = new Uint8Array(size);
  const words = new Uint32Array(out.buffer, 0, Math.floor(size / 4));
  let x = seed >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  for (let i = words.length * 4; i < size; i++) out[i] = i & 0xff;
  return out;
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Buffer.from(digest).toString('hex');
}

/** `for await` over a ReadableStream (the DOM lib in use does not type it as async iterable). */
export async function* chunksOf<T>(stream: ReadableStream<T>): AsyncGenerator<T> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}
