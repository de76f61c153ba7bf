// One small adapter per client kind, so every scenario runs the same work through each:
// a caller (trigger, channels from the caller's side) and a worker (echo / never / source /
// sink handlers). The adapters use each client the way its documentation shows.
import { once } from 'node:events';
import { pathToFileURL } from 'node:url';
import type { Readable, Writable } from 'node:stream';
import { RawConn, channelUrl, rawRead, rawWrite, type ChannelRefLike } from './client-raw.js';
import { isOurs, oursNodeEntry, waitUntil, type ClientKind } from './common.js';

export type Direction = 'toCaller' | 'toWorker';

export interface BenchCaller {
  call(functionId: string, payload: unknown, timeoutMs?: number): Promise<unknown>;
  /** Moves `bytes` through a fresh channel; `toCaller`: the worker writes, `toWorker`: the caller writes. Returns bytes received. */
  channel(direction: Direction, bytes: number, prefix: string): Promise<number>;
  close(): Promise<void>;
}

export interface BenchWorker {
  /** How many `never` invocations reached the handler. */
  readonly neverCount: number;
  close(): Promise<void>;
}

export const CHUNK_BYTES = 64 * 1024;
const CHANNEL_CALL_TIMEOUT_MS = 300_000;
/** Upper bound on loop iterations while streaming (bytes / chunk, with slack for short reads). */
const maxIterations = (bytes: number): number => Math.ceil(bytes / 1024) + 1024;

function chunkBytes(): Uint8Array {
  const c = new Uint8Array(CHUNK_BYTES);
  for (let i = 0; i < c.length; i++) c[i] = i & 0xff;
  return c;
}

// ---------------------------------------------------------------------------------------------
// This SDK, typed structurally so the bench compiles whether or not dist/ exists.

interface OursReader {
  readable: ReadableStream<Uint8Array>;
}
interface OursWriter {
  writable: WritableStream<Uint8Array>;
}
interface OursChannel {
  reader: OursReader;
  writer: OursWriter;
  readerRef: unknown;
  writerRef: unknown;
}
interface OursClient {
  registerFunction(id: string, handler: (data: never, metadata?: unknown) => unknown): unknown;
  trigger(request: { function_id: string; payload: unknown; timeoutMs?: number }): Promise<unknown>;
  createChannel(bufferSize?: number): Promise<OursChannel>;
  shutdown(): Promise<void> | void;
}
interface OursModule {
  registerWorker(address: string, options?: Record<string, unknown>): OursClient;
}

const oursModules = new Map<ClientKind, Promise<OursModule>>();
export function loadOurs(kind: ClientKind): Promise<OursModule> {
  let m = oursModules.get(kind);
  if (!m) {
    m = import(pathToFileURL(oursNodeEntry(kind).file).href) as Promise<OursModule>;
    oursModules.set(kind, m);
  }
  return m;
}

async function webWriteAll(writable: WritableStream<Uint8Array>, bytes: number): Promise<void> {
  const chunk = chunkBytes();
  const w = writable.getWriter();
  let sent = 0;
  let failed: unknown;
  const limit = maxIterations(bytes);
  for (let i = 0; i < limit && sent < bytes; i++) {
    await w.ready;
    const n = Math.min(CHUNK_BYTES, bytes - sent);
    sent += n;
    w.write(n === CHUNK_BYTES ? chunk : chunk.subarray(0, n)).catch((e: unknown) => {
      failed ??= e;
    });
  }
  await w.close();
  if (failed) throw failed;
}

async function webReadAll(readable: ReadableStream<Uint8Array>, bytesHint: number): Promise<number> {
  const r = readable.getReader();
  let n = 0;
  const limit = maxIterations(bytesHint);
  for (let i = 0; i < limit; i++) {
    const { done, value } = await r.read();
    if (done) return n;
    n += value.byteLength;
  }
  throw new Error('reader did not end within its iteration bound');
}

async function oursCaller(kind: ClientKind, url: string, name: string): Promise<BenchCaller> {
  const { registerWorker } = await loadOurs(kind);
  const c = registerWorker(url, { workerName: name });
  return {
    call: (function_id, payload, timeoutMs) => c.trigger({ function_id, payload, timeoutMs }),
    async channel(direction, bytes, prefix) {
      const ch = await c.createChannel();
      if (direction === 'toCaller') {
        const res = c.trigger({ function_id: `${prefix}::source`, payload: { writer: ch.writerRef, bytes }, timeoutMs: CHANNEL_CALL_TIMEOUT_MS });
        const n = await webReadAll(ch.reader.readable, bytes);
        await res;
        return n;
      }
      const res = c.trigger({ function_id: `${prefix}::sink`, payload: { reader: ch.readerRef, bytes }, timeoutMs: CHANNEL_CALL_TIMEOUT_MS });
      await webWriteAll(ch.writer.writable, bytes);
      return (await res) as number;
    },
    close: async () => {
      await c.shutdown();
    },
  };
}

async function oursWorker(kind: ClientKind, url: string, name: string, prefix: string): Promise<BenchWorker> {
  const { registerWorker } = await loadOurs(kind);
  const c = registerWorker(url, { workerName: name });
  const state = { neverCount: 0 };
  c.registerFunction(`${prefix}::echo`, (data: unknown) => data);
  c.registerFunction(`${prefix}::never`, () => {
    state.neverCount++;
    return new Promise(() => undefined);
  });
  c.registerFunction(`${prefix}::source`, async (data: { writer: OursWriter; bytes: number }) => {
    await webWriteAll(data.writer.writable, data.bytes);
    return data.bytes;
  });
  c.registerFunction(`${prefix}::sink`, (data: { reader: OursReader; bytes: number }) => webReadAll(data.reader.readable, data.bytes));
  return {
    get neverCount() {
      return state.neverCount;
    },
    close: async () => {
      await c.shutdown();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The raw floor.

async function rawCaller(url: string, name: string): Promise<BenchCaller> {
  const conn = await RawConn.open(url, name);
  return {
    call: (fid, payload) => conn.call(fid, payload),
    async channel(direction, bytes, prefix) {
      const { reader, writer } = await conn.createChannel();
      if (direction === 'toCaller') {
        const res = conn.call(`${prefix}::source`, { writer, bytes });
        const n = await rawRead(channelUrl(url, reader, 'read'));
        await res;
        return n;
      }
      const res = conn.call(`${prefix}::sink`, { reader, bytes });
      await rawWrite(channelUrl(url, writer, 'write'), bytes, Buffer.from(chunkBytes()));
      return (await res) as number;
    },
    close: () => conn.close(),
  };
}

async function rawWorker(url: string, name: string, prefix: string): Promise<BenchWorker> {
  const conn = await RawConn.open(url, name);
  const state = { neverCount: 0 };
  const chunk = Buffer.from(chunkBytes());
  conn.registerFunction(`${prefix}::echo`, (data) => data);
  conn.registerFunction(`${prefix}::never`, () => {
    state.neverCount++;
    return new Promise(() => undefined);
  });
  conn.registerFunction(`${prefix}::source`, async (data) => {
    const bytes = data.bytes as number;
    await rawWrite(channelUrl(url, data.writer as ChannelRefLike, 'write'), bytes, chunk);
    return bytes;
  });
  conn.registerFunction(`${prefix}::sink`, (data) => rawRead(channelUrl(url, data.reader as ChannelRefLike, 'read')));
  return {
    get neverCount() {
      return state.neverCount;
    },
    close: () => conn.close(),
  };
}

// ---------------------------------------------------------------------------------------------
// The official iii-sdk 0.22.1.

interface OfficialReader {
  stream: Readable;
}
interface OfficialWriter {
  stream: Writable;
}

function officialOptions(kind: ClientKind, name: string): Record<string, unknown> {
  // Telemetry off = OTel disabled (initOtel returns early) and no worker-metrics gauges
  // (which need an OTel meter). Defaults = nothing but the worker name.
  if (kind === 'official') return { workerName: name, otel: { enabled: false }, enableMetricsReporting: false };
  return { workerName: name };
}

async function nodeWriteAll(stream: Writable, bytes: number): Promise<void> {
  const chunk = Buffer.from(chunkBytes());
  let sent = 0;
  const limit = maxIterations(bytes);
  const finished = once(stream, 'finish');
  for (let i = 0; i < limit && sent < bytes; i++) {
    const n = Math.min(CHUNK_BYTES, bytes - sent);
    sent += n;
    if (!stream.write(n === CHUNK_BYTES ? chunk : chunk.subarray(0, n))) await once(stream, 'drain');
  }
  stream.end();
  await finished;
}

function nodeReadAll(stream: Readable): Promise<number> {
  let n = 0;
  return new Promise<number>((resolve, reject) => {
    stream.on('data', (c: Buffer) => {
      n += c.length;
    });
    stream.once('end', () => resolve(n));
    stream.once('error', reject);
  });
}

async function officialCaller(kind: ClientKind, url: string, name: string): Promise<BenchCaller> {
  const { registerWorker } = await import('iii-sdk');
  const { createChannel } = await import('iii-sdk/helpers');
  const c = registerWorker(url, officialOptions(kind, name));
  return {
    call: (function_id, payload, timeoutMs) => c.trigger({ function_id, payload, timeoutMs }),
    async channel(direction, bytes, prefix) {
      const ch = await createChannel(c);
      if (direction === 'toCaller') {
        const res = c.trigger({ function_id: `${prefix}::source`, payload: { writer: ch.writerRef, bytes }, timeoutMs: CHANNEL_CALL_TIMEOUT_MS });
        const n = await nodeReadAll((ch.reader as unknown as OfficialReader).stream);
        await res;
        return n;
      }
      const res = c.trigger({ function_id: `${prefix}::sink`, payload: { reader: ch.readerRef, bytes }, timeoutMs: CHANNEL_CALL_TIMEOUT_MS });
      await nodeWriteAll((ch.writer as unknown as OfficialWriter).stream, bytes);
      return (await res) as number;
    },
    close: () => c.shutdown(),
  };
}

async function officialWorker(kind: ClientKind, url: string, name: string, prefix: string): Promise<BenchWorker> {
  const { registerWorker } = await import('iii-sdk');
  const c = registerWorker(url, officialOptions(kind, name));
  const state = { neverCount: 0 };
  c.registerFunction(`${prefix}::echo`, async (data: unknown) => data);
  c.registerFunction(`${prefix}::never`, () => {
    state.neverCount++;
    return new Promise(() => undefined);
  });
  c.registerFunction(`${prefix}::source`, async (data: { writer: OfficialWriter; bytes: number }) => {
    await nodeWriteAll(data.writer.stream, data.bytes);
    return data.bytes;
  });
  c.registerFunction(`${prefix}::sink`, async (data: { reader: OfficialReader }) => nodeReadAll(data.reader.stream));
  return {
    get neverCount() {
      return state.neverCount;
    },
    close: () => c.shutdown(),
  };
}

// ---------------------------------------------------------------------------------------------

export function startCaller(kind: ClientKind, url: string, name: string): Promise<BenchCaller> {
  if (isOurs(kind)) return oursCaller(kind, url, name);
  if (kind === 'raw') return rawCaller(url, name);
  return officialCaller(kind, url, name);
}

export function startWorker(kind: ClientKind, url: string, name: string, prefix: string): Promise<BenchWorker> {
  if (isOurs(kind)) return oursWorker(kind, url, name, prefix);
  if (kind === 'raw') return rawWorker(url, name, prefix);
  return officialWorker(kind, url, name, prefix);
}

/**
 * Registrations are applied once the worker's namespace is fixed (§2.4) and there is no
 * acknowledgement (§3.2): call the function until it answers instead of guessing a delay.
 */
export async function waitCallable(caller: BenchCaller, functionId: string, ms = 20_000): Promise<void> {
  await waitUntil(
    async () => {
      try {
        await caller.call(functionId, { probe: true }, 2000);
        return true;
      } catch {
        return false;
      }
    },
    ms,
    `${functionId} callable`,
    50,
  );
}
