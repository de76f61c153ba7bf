// A deliberately small raw-socket client for the reference engine's frame-level tests.
// It speaks protocol.md frames directly over `ws` (never through an SDK) so that every
// test sees exactly what the engine puts on the wire. Every await here is bounded.
import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import * as net from 'node:net';
import WebSocket from 'ws';

// Frames are arbitrary JSON objects; tests inspect them field by field.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Frame = Record<string, any>;

/** One message received on a socket (worker or channel). */
export interface Msg {
  binary: boolean;
  data: Buffer;
  text: string;
  /** Parsed JSON when the message is a text frame holding a JSON object. */
  json: Frame | undefined;
}

export interface CloseInfo {
  code: number;
  reason: string;
}

export interface ConnectOptions {
  /** Path appended to the base url (default `/`). */
  path?: string;
  /** Raw query string without the leading `?`. */
  query?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export const DEFAULT_WAIT_MS = 2000;

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out after ${ms}ms waiting for ${what}`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function buildUrl(base: string, opts: ConnectOptions = {}): string {
  const root = base.replace(/\/+$/, '');
  const path = opts.path ?? '/';
  return `${root}${path}${opts.query !== undefined ? `?${opts.query}` : ''}`;
}

interface Waiter {
  pred: (m: Msg) => boolean;
  resolve: (m: Msg) => void;
}

/**
 * A WebSocket with an inbox. `next()` consumes the first not-yet-consumed message matching a
 * predicate (waiting for it if needed); messages that nobody consumed stay in the inbox.
 */
export class RawSocket {
  readonly ws: WebSocket;
  /** Every message ever received, in order (consumed or not). */
  readonly received: Msg[] = [];
  private inbox: Msg[] = [];
  private waiters: Waiter[] = [];
  private closeInfo: CloseInfo | undefined;
  private closeWaiters: Array<(c: CloseInfo) => void> = [];
  /** Handlers run on every JSON frame as it arrives (used to auto-answer invocations). */
  private taps: Array<(f: Frame) => boolean> = [];

  constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      const text = isBinary ? '' : buf.toString('utf8');
      let json: Frame | undefined;
      if (!isBinary) {
        try {
          const parsed: unknown = JSON.parse(text);
          if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) json = parsed as Frame;
        } catch {
          json = undefined;
        }
      }
      const msg: Msg = { binary: isBinary, data: buf, text, json };
      this.received.push(msg);
      if (json) {
        for (const tap of this.taps) {
          if (tap(json)) return; // consumed by a tap
        }
      }
      const i = this.waiters.findIndex((w) => w.pred(msg));
      if (i >= 0) {
        const [w] = this.waiters.splice(i, 1);
        w!.resolve(msg);
      } else {
        this.inbox.push(msg);
      }
    });
    ws.on('close', (code: number, reason: Buffer) => {
      this.closeInfo = { code, reason: reason.toString('utf8') };
      for (const w of this.closeWaiters) w(this.closeInfo);
      this.closeWaiters = [];
    });
    ws.on('error', () => {
      /* observed through 'close' */
    });
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  get closed(): CloseInfo | undefined {
    return this.closeInfo;
  }

  /** Wait for any message (text or binary) matching `pred`. */
  nextMsg(pred: (m: Msg) => boolean = () => true, timeoutMs = DEFAULT_WAIT_MS, what = 'a message'): Promise<Msg> {
    const i = this.inbox.findIndex(pred);
    if (i >= 0) {
      const [m] = this.inbox.splice(i, 1);
      return Promise.resolve(m!);
    }
    return new Promise<Msg>((resolve, reject) => {
      const waiter: Waiter = {
        pred,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out after ${timeoutMs}ms waiting for ${what}; unconsumed: ${this.describeInbox()}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Wait for a JSON frame matching `pred`. */
  async next(pred: (f: Frame) => boolean = () => true, timeoutMs = DEFAULT_WAIT_MS, what = 'a frame'): Promise<Frame> {
    const m = await this.nextMsg((msg) => msg.json !== undefined && pred(msg.json), timeoutMs, what);
    return m.json!;
  }

  /** Wait for a frame of the given `type` (and optional extra predicate). */
  nextType(type: string, pred: (f: Frame) => boolean = () => true, timeoutMs = DEFAULT_WAIT_MS): Promise<Frame> {
    return this.next((f) => f.type === type && pred(f), timeoutMs, `a '${type}' frame`);
  }

  /** Resolve when no message matching `pred` arrives within `ms` (and none is waiting in the inbox). */
  async expectNoMsg(pred: (m: Msg) => boolean = () => true, ms = 300): Promise<void> {
    const found = this.inbox.find(pred);
    if (found) throw new Error(`unexpected message already received: ${describe(found)}`);
    let got: Msg | undefined;
    try {
      got = await this.nextMsg(pred, ms);
    } catch {
      return;
    }
    throw new Error(`unexpected message: ${describe(got)}`);
  }

  expectNoFrame(pred: (f: Frame) => boolean = () => true, ms = 300): Promise<void> {
    return this.expectNoMsg((m) => m.json !== undefined && pred(m.json), ms);
  }

  /** Register a handler that sees each JSON frame first; return true to consume the frame. */
  tap(handler: (f: Frame) => boolean): () => void {
    this.taps.push(handler);
    return () => {
      this.taps = this.taps.filter((t) => t !== handler);
    };
  }

  send(frame: Frame | string | Buffer): void {
    if (typeof frame === 'string') this.ws.send(frame);
    else if (Buffer.isBuffer(frame)) this.ws.send(frame, { binary: true });
    else this.ws.send(JSON.stringify(frame));
  }

  sendBinary(data: Buffer | Uint8Array): void {
    this.ws.send(data, { binary: true });
  }

  /** Resolve with the close code/reason once the socket is closed (bounded). */
  waitClose(timeoutMs = DEFAULT_WAIT_MS): Promise<CloseInfo> {
    if (this.closeInfo) return Promise.resolve(this.closeInfo);
    return withTimeout(
      new Promise<CloseInfo>((resolve) => this.closeWaiters.push(resolve)),
      timeoutMs,
      'the socket to close',
    );
  }

  /** Send a Close frame (with or without a status code) and wait until the socket has closed. */
  async close(code?: number, reason?: string, timeoutMs = DEFAULT_WAIT_MS): Promise<CloseInfo | undefined> {
    if (this.closeInfo) return this.closeInfo;
    if (this.ws.readyState === WebSocket.CONNECTING) {
      this.ws.terminate();
    } else if (code === undefined) this.ws.close();
    else this.ws.close(code, reason);
    try {
      return await this.waitClose(timeoutMs);
    } catch {
      this.ws.terminate();
      return this.closeInfo;
    }
  }

  /** Drop the TCP connection without a Close handshake. */
  terminate(): void {
    this.ws.terminate();
  }

  private describeInbox(): string {
    const shown = this.inbox.slice(0, 8).map(describe);
    return `[${shown.join(', ')}]${this.inbox.length > 8 ? ` (+${this.inbox.length - 8})` : ''}`;
  }
}

function describe(m: Msg): string {
  if (m.binary) return `<binary ${m.data.length} bytes>`;
  return m.text.length > 300 ? `${m.text.slice(0, 300)}…` : m.text;
}

/** Open a WebSocket; resolves when open, rejects on an HTTP refusal (message carries the status). */
export function openSocket(base: string, opts: ConnectOptions = {}): Promise<RawSocket> {
  const url = buildUrl(base, opts);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_WAIT_MS;
  return new Promise<RawSocket>((resolve, reject) => {
    const ws = new WebSocket(url, { headers: opts.headers, handshakeTimeout: timeoutMs });
    // The RawSocket must exist before 'open' so no early frame is missed.
    const sock = new RawSocket(ws);
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`timed out opening ${url}`));
    }, timeoutMs + 200);
    ws.once('open', () => {
      clearTimeout(timer);
      resolve(sock);
    });
    ws.once('unexpected-response', (_req: http.ClientRequest, res: http.IncomingMessage) => {
      clearTimeout(timer);
      reject(new Error(`HTTP ${res.statusCode ?? '?'} for ${url}`));
      res.resume();
      ws.terminate();
    });
    ws.once('error', (err: Error) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

export interface HttpAnswer {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

/**
 * Send a GET (with WebSocket upgrade headers unless `upgrade: false`) and report the HTTP status
 * when the server refuses the upgrade; status 101 when it accepts (the socket is then destroyed).
 */
export function httpProbe(
  base: string,
  path: string,
  opts: { upgrade?: boolean; method?: string; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<HttpAnswer> {
  const u = new URL(base.replace(/^ws/, 'http'));
  const upgrade = opts.upgrade ?? true;
  const headers: Record<string, string> = upgrade
    ? {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': Buffer.from(randomUUID().slice(0, 16)).toString('base64'),
        ...opts.headers,
      }
    : { ...opts.headers };
  return withTimeout(
    new Promise<HttpAnswer>((resolve, reject) => {
      const req = http.request({
        host: u.hostname,
        port: Number(u.port),
        path,
        method: opts.method ?? 'GET',
        headers,
        agent: false,
      });
      req.on('upgrade', (res, socket) => {
        socket.destroy();
        resolve({ status: res.statusCode ?? 101, body: '', headers: res.headers });
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    }),
    opts.timeoutMs ?? DEFAULT_WAIT_MS,
    `HTTP answer for ${path}`,
  );
}

/** Open a bare TCP connection, write `bytes`, and report when (ms) the server closes it. */
export function tcpIdle(base: string, bytes: string, timeoutMs: number): Promise<{ closedAfterMs: number }> {
  const u = new URL(base.replace(/^ws/, 'http'));
  return withTimeout(
    new Promise<{ closedAfterMs: number }>((resolve, reject) => {
      const start = Date.now();
      const sock = net.connect({ host: u.hostname, port: Number(u.port) }, () => {
        if (bytes) sock.write(bytes);
      });
      sock.on('data', () => {
        /* ignore */
      });
      sock.on('close', () => resolve({ closedAfterMs: Date.now() - start }));
      sock.on('error', () => {
        /* close follows */
      });
      setTimeout(() => {
        sock.destroy();
        reject(new Error('server kept the idle connection open'));
      }, timeoutMs).unref();
    }),
    timeoutMs + 500,
    'the server to close the idle TCP connection',
  );
}

// ---------------------------------------------------------------------------------------------
// Worker protocol helpers

export interface CallOptions {
  namespace?: string;
  metadata?: unknown;
  action?: Frame;
  timeoutMs?: number;
  invocationId?: string;
}

export interface AnnounceOptions {
  name?: string;
  namespace?: string;
  /** pid to announce; `null` omits it (browser-like worker). Default: a fake number. */
  pid?: number | null;
  description?: string;
  runtime?: string;
  extra?: Frame;
}

/** A worker connection on `/`: a RawSocket plus the worker protocol vocabulary. */
export class RawWorker extends RawSocket {
  workerId = '';
  reattachToken = '';

  /** Wait for `workerregistered` (must be the first frame) and remember id and token. */
  async hello(timeoutMs = DEFAULT_WAIT_MS): Promise<Frame> {
    const f = await this.next(() => true, timeoutMs, 'the first frame (workerregistered)');
    if (f.type !== 'workerregistered') throw new Error(`first frame was not workerregistered: ${JSON.stringify(f)}`);
    this.workerId = String(f.worker_id);
    this.reattachToken = String(f.reattach_token);
    return f;
  }

  /** Build the `engine::workers::register` payload. */
  static announcePayload(o: AnnounceOptions = {}): Frame {
    const data: Frame = { runtime: o.runtime ?? 'node', version: '0.0.0-test', os: 'test-os' };
    if (o.name !== undefined) data.name = o.name;
    if (o.description !== undefined) data.description = o.description;
    if (o.namespace !== undefined) data.namespace = o.namespace;
    if (o.pid !== null) data.pid = o.pid ?? 4242;
    return { ...data, ...o.extra };
  }

  /** Announce like the official SDKs do: a void `engine::workers::register` invoke. */
  announceVoid(o: AnnounceOptions = {}): void {
    this.send({
      type: 'invokefunction',
      function_id: 'engine::workers::register',
      data: RawWorker.announcePayload(o),
      action: { type: 'void' },
    });
  }

  /** Announce synchronously and wait for its `{success}` result (a sync point: namespace fixed). */
  async announce(o: AnnounceOptions = {}): Promise<Frame> {
    return this.call('engine::workers::register', RawWorker.announcePayload(o));
  }

  /** Send an invokefunction with an invocation id; returns the id. */
  invoke(functionId: string, data: unknown, o: CallOptions = {}): string {
    const id = o.invocationId ?? randomUUID();
    const frame: Frame = { type: 'invokefunction', invocation_id: id, function_id: functionId, data };
    if (o.namespace !== undefined) frame.namespace = o.namespace;
    if (o.metadata !== undefined) frame.metadata = o.metadata;
    if (o.action !== undefined) frame.action = o.action;
    this.send(frame);
    return id;
  }

  /** Invoke and wait for the matching invocationresult frame (the whole frame). */
  async callFrame(functionId: string, data: unknown, o: CallOptions = {}): Promise<Frame> {
    const id = this.invoke(functionId, data, o);
    return this.nextType('invocationresult', (f) => f.invocation_id === id, o.timeoutMs ?? DEFAULT_WAIT_MS);
  }

  /** Invoke and resolve with `result`; reject with the error body when the call failed. */
  async call(functionId: string, data: unknown, o: CallOptions = {}): Promise<Frame> {
    const f = await this.callFrame(functionId, data, o);
    if (f.error) throw Object.assign(new Error(`${f.error.code}: ${f.error.message}`), { body: f.error, frame: f });
    return f.result as Frame;
  }

  /** Void invoke (no invocation id). */
  invokeVoid(functionId: string, data: unknown, o: { namespace?: string; metadata?: unknown } = {}): void {
    const frame: Frame = { type: 'invokefunction', function_id: functionId, data, action: { type: 'void' } };
    if (o.namespace !== undefined) frame.namespace = o.namespace;
    if (o.metadata !== undefined) frame.metadata = o.metadata;
    this.send(frame);
  }

  registerFunction(id: string, extra: Frame = {}): void {
    this.send({ type: 'registerfunction', id, ...extra });
  }

  unregisterFunction(id: string): void {
    this.send({ type: 'unregisterfunction', id });
  }

  registerTriggerType(id: string, extra: Frame = {}): void {
    this.send({ type: 'registertriggertype', id, description: `${id} type`, ...extra });
  }

  registerTrigger(id: string, triggerType: string, functionId: string, config: unknown = {}, extra: Frame = {}): void {
    this.send({ type: 'registertrigger', id, trigger_type: triggerType, function_id: functionId, config, ...extra });
  }

  unregisterTrigger(id: string, triggerType?: string): void {
    const f: Frame = { type: 'unregistertrigger', id };
    if (triggerType !== undefined) f.trigger_type = triggerType;
    this.send(f);
  }

  /** Answer an engine→worker invocation. */
  reply(inv: Frame, body: { result?: unknown; error?: Frame }): void {
    const f: Frame = { type: 'invocationresult', invocation_id: inv.invocation_id, function_id: inv.function_id };
    if ('result' in body) f.result = body.result;
    if (body.error) f.error = body.error;
    this.send(f);
  }

  /** Wait for the engine to deliver an invocation of `functionId`. */
  nextInvoke(functionId: string, timeoutMs = DEFAULT_WAIT_MS, pred: (f: Frame) => boolean = () => true): Promise<Frame> {
    return this.next(
      (f) => f.type === 'invokefunction' && f.function_id === functionId && pred(f),
      timeoutMs,
      `an invocation of ${functionId}`,
    );
  }

  /**
   * Serve `functionId` automatically: every engine→worker invokefunction for it is answered with
   * the handler's value (`{error}` objects are sent as errors). Returns the list of received
   * invocation frames and a stop function.
   */
  serve(
    functionId: string,
    handler: (data: Frame, inv: Frame) => unknown = () => ({ ok: true }),
  ): { calls: Frame[]; stop: () => void } {
    const calls: Frame[] = [];
    const stop = this.tap((f) => {
      if (f.type !== 'invokefunction' || f.function_id !== functionId) return false;
      calls.push(f);
      Promise.resolve()
        .then(() => handler(f.data as Frame, f))
        .then(
          (value) => {
            if (this.ws.readyState !== WebSocket.OPEN) return;
            if (value && typeof value === 'object' && 'error' in (value as Frame) && Object.keys(value as Frame).length === 1) {
              this.reply(f, { error: (value as Frame).error as Frame });
            } else {
              this.reply(f, { result: value });
            }
          },
          (err: unknown) => {
            if (this.ws.readyState !== WebSocket.OPEN) return;
            this.reply(f, { error: { code: 'invocation_failed', message: String((err as Error)?.message ?? err) } });
          },
        );
      return true;
    });
    return { calls, stop };
  }

  /** Round trip a JSON ping: every frame sent before it has been read by the engine. */
  async sync(timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    this.send({ type: 'ping' });
    await this.nextType('pong', () => true, timeoutMs);
  }

  /** List function ids visible to this connection (all namespaces, include_internal). */
  async functionIds(extra: Frame = {}): Promise<string[]> {
    const r = await this.call('engine::functions::list', { include_internal: true, ...extra });
    return (r.functions as Frame[]).map((f) => String(f.function_id));
  }

  async functionRows(extra: Frame = {}): Promise<Frame[]> {
    const r = await this.call('engine::functions::list', { include_internal: true, ...extra });
    return r.functions as Frame[];
  }
}

/** Connect a worker socket (path `/` unless given); does not wait for workerregistered. */
export function connectRaw(base: string, opts: ConnectOptions = {}): Promise<RawWorker> {
  const url = buildUrl(base, opts);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_WAIT_MS;
  return new Promise<RawWorker>((resolve, reject) => {
    const ws = new WebSocket(url, { headers: opts.headers, handshakeTimeout: timeoutMs });
    const sock = new RawWorker(ws);
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`timed out opening ${url}`));
    }, timeoutMs + 200);
    ws.once('open', () => {
      clearTimeout(timer);
      resolve(sock);
    });
    ws.once('unexpected-response', (_req: http.ClientRequest, res: http.IncomingMessage) => {
      clearTimeout(timer);
      reject(new Error(`HTTP ${res.statusCode ?? '?'} for ${url}`));
      res.resume();
      ws.terminate();
    });
    ws.once('error', (err: Error) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** Connect and wait for `workerregistered`. */
export async function connectWorker(base: string, opts: ConnectOptions = {}): Promise<RawWorker> {
  const w = await connectRaw(base, opts);
  await w.hello(opts.timeoutMs);
  return w;
}

let nameCounter = 0;
export function uniqueName(prefix = 'w'): string {
  nameCounter += 1;
  return `${prefix}-${process.pid}-${nameCounter}-${randomUUID().slice(0, 6)}`;
}

/**
 * Connect, wait for `workerregistered`, announce synchronously (namespace fixed, name claimed).
 */
export async function announcedWorker(base: string, o: AnnounceOptions & ConnectOptions = {}): Promise<RawWorker> {
  const w = await connectWorker(base, o);
  const r = await w.announce({ name: o.name ?? uniqueName(), ...o });
  if (!r || r.success !== true) throw new Error(`announce failed: ${JSON.stringify(r)}`);
  return w;
}

/** Keeps track of sockets opened by a test and closes them all afterwards. */
export class SocketPool {
  private sockets: RawSocket[] = [];
  add<T extends RawSocket>(s: T): T {
    this.sockets.push(s);
    return s;
  }
  async closeAll(): Promise<void> {
    const all = this.sockets;
    this.sockets = [];
    for (const s of all) s.terminate();
    await Promise.all(all.map((s) => s.waitClose(1000).catch(() => undefined)));
  }
}

/** Poll `check` until it returns a truthy value (bounded). */
export async function eventually<T>(check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = DEFAULT_WAIT_MS, stepMs = 25, what = 'a condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (e) {
      lastErr = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}${lastErr ? `: ${String(lastErr)}` : ''}`);
    await sleep(stepMs);
  }
}

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Channel socket helpers. */
export function channelPath(ref: { channel_id: string }): string {
  return `/ws/channels/${ref.channel_id}`;
}

export function openChannel(base: string, ref: { channel_id: string; access_key: string }, dir: 'read' | 'write'): Promise<RawSocket> {
  return openSocket(base, { path: channelPath(ref), query: `key=${encodeURIComponent(ref.access_key)}&dir=${dir}` });
}
