// The floor: plain `ws` sockets speaking protocol.md frames by hand, with nothing an SDK
// adds (no validation, no timers per call, no reconnect, no logging). Every SDK is measured
// against this on the same engine.
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { withTimeout } from './common.js';

type Json = Record<string, unknown>;
type Handler = (data: Json) => unknown;

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
}

export interface ChannelRefLike {
  channel_id: string;
  access_key: string;
  direction: 'read' | 'write';
}

/** One worker connection on `/` (§1.1), enough to call and to be called. */
/** A client socket without compression (as every client here), open within 10 s. */
async function openSocket(url: string, what: string): Promise<WebSocket> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  await withTimeout(
    new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    }),
    10_000,
    what,
  );
  return ws;
}

export class RawConn {
  private readonly ws: WebSocket;
  private readonly pending = new Map<string, Pending>();
  private readonly handlers = new Map<string, Handler>();
  workerId: string | undefined;
  private closed = false;

  private constructor(
    readonly url: string,
    ws: WebSocket,
  ) {
    this.ws = ws;
    ws.on('message', (buf: Buffer, isBinary: boolean) => {
      if (!isBinary) this.onFrame(buf.toString());
    });
    ws.on('close', () => {
      this.closed = true;
      for (const p of this.pending.values()) p.reject(new Error('raw socket closed'));
      this.pending.clear();
    });
    ws.on('error', () => undefined);
  }

  /** Opens the socket and announces the worker (§1.2) so registrations are not parked for 5 s (§2.4). */
  static async open(url: string, name: string): Promise<RawConn> {
    const ws = await openSocket(url, `raw open ${url}`);
    const conn = new RawConn(url, ws);
    conn.send({
      type: 'invokefunction',
      function_id: 'engine::workers::register',
      data: { runtime: 'node', name, pid: process.pid },
      action: { type: 'void' },
    });
    return conn;
  }

  private send(frame: Json): void {
    this.ws.send(JSON.stringify(frame));
  }

  private onFrame(text: string): void {
    const f = JSON.parse(text) as Json;
    switch (f.type) {
      case 'invocationresult': {
        const id = f.invocation_id as string;
        const p = this.pending.get(id);
        if (!p) return;
        this.pending.delete(id);
        if (f.error) {
          const e = f.error as { code: string; message: string };
          p.reject(Object.assign(new Error(`${e.code}: ${e.message}`), { code: e.code }));
        } else p.resolve(f.result);
        return;
      }
      case 'invokefunction': {
        const fid = f.function_id as string;
        const id = f.invocation_id as string | undefined;
        const h = this.handlers.get(fid);
        if (!h) {
          if (id) this.send({ type: 'invocationresult', invocation_id: id, function_id: fid, error: { code: 'function_not_found', message: 'Function not found' } });
          return;
        }
        const out = h(f.data as Json);
        if (!id) return;
        if (out instanceof Promise) {
          out.then(
            (result: unknown) => this.send({ type: 'invocationresult', invocation_id: id, function_id: fid, result }),
            (err: Error) => this.send({ type: 'invocationresult', invocation_id: id, function_id: fid, error: { code: 'invocation_failed', message: String(err?.message ?? err) } }),
          );
        } else this.send({ type: 'invocationresult', invocation_id: id, function_id: fid, result: out });
        return;
      }
      case 'workerregistered':
        this.workerId = f.worker_id as string;
        return;
      default:
        return;
    }
  }

  registerFunction(id: string, handler: Handler): void {
    this.handlers.set(id, handler);
    this.send({ type: 'registerfunction', id });
  }

  call(functionId: string, data: unknown): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('raw socket closed'));
    const invocation_id = randomUUID();
    return new Promise((resolve, reject) => {
      this.pending.set(invocation_id, { resolve, reject });
      this.send({ type: 'invokefunction', invocation_id, function_id: functionId, data });
    });
  }

  /** §4.1 */
  async createChannel(): Promise<{ reader: ChannelRefLike; writer: ChannelRefLike }> {
    return (await this.call('engine::channels::create', {})) as { reader: ChannelRefLike; writer: ChannelRefLike };
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.ws.terminate();
        resolve();
      }, 2000);
      this.ws.once('close', () => {
        clearTimeout(t);
        resolve();
      });
      this.ws.close(1000);
    });
  }
}

/** §4.2 */
export function channelUrl(base: string, ref: ChannelRefLike, dir: 'read' | 'write'): string {
  return `${base.replace(/\/$/, '')}/ws/channels/${ref.channel_id}?key=${encodeURIComponent(ref.access_key)}&dir=${dir}`;
}

const FRAME = 64 * 1024;
/** Pause sending above this many queued bytes (the socket's own buffer, measured by ws). */
const SEND_HWM = 1024 * 1024;

/** Writes `bytes` as 64 KiB binary frames, then closes (end of stream, §4.3). */
export async function rawWrite(url: string, bytes: number, chunk: Buffer): Promise<void> {
  const ws = await openSocket(url, 'raw channel writer open');
  const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
  let sent = 0;
  const maxFrames = Math.ceil(bytes / FRAME) + 1;
  for (let i = 0; i < maxFrames && sent < bytes; i++) {
    const n = Math.min(FRAME, bytes - sent);
    const part = n === chunk.length ? chunk : chunk.subarray(0, n);
    sent += n;
    if (ws.bufferedAmount + n > SEND_HWM) {
      await new Promise<void>((resolve, reject) => ws.send(part, (err) => (err ? reject(err) : resolve())));
    } else ws.send(part);
  }
  ws.close(1000);
  await withTimeout(closed, 30_000, 'raw channel writer close');
}

/** Counts binary bytes until the engine closes the read side (§4.3). */
export async function rawRead(url: string): Promise<number> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  let n = 0;
  return new Promise<number>((resolve, reject) => {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) n += data.length;
    });
    ws.once('close', () => resolve(n));
    ws.once('error', reject);
  });
}
