// HTTP listeners with manual WebSocket upgrade routing (protocol.md §1.1, §4.2, §8 items 1, 2, 33).
import * as http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { Engine } from './engine.js';
import { compileExposeFilters, type RbacConfig } from './rbac.js';
import { MAX_FRAME } from './sockets.js';

export interface ListenerConfig {
  port?: number;
  host?: string;
  handshake_timeout_ms?: number;
  middleware_function_id?: string;
  rbac?: RbacConfig;
}

export interface ListenerRuntime {
  config: ListenerConfig;
  exposeFilters: ReturnType<typeof compileExposeFilters>;
  server: http.Server;
  host: string;
  port: number;
  /** Every accepted TCP socket (HTTP or upgraded), so shutdown can drop them all. */
  sockets: Set<Duplex>;
}


type Route = { kind: 'worker' } | { kind: 'otel' } | { kind: 'channel'; id: string } | undefined;

/** Exact routes only; anything else is 404 before any upgrade check (§8 item 2). */
function matchRoute(pathname: string): Route {
  if (pathname === '/') return { kind: 'worker' };
  if (pathname === '/otel') return { kind: 'otel' };
  const m = /^\/ws\/channels\/([^/]+)$/.exec(pathname);
  if (m) {
    let id: string;
    try {
      id = decodeURIComponent(m[1]!);
    } catch {
      return undefined;
    }
    return { kind: 'channel', id };
  }
  return undefined;
}

function splitUrl(url: string): { pathname: string; query: string | undefined } {
  const q = url.indexOf('?');
  return q < 0 ? { pathname: url, query: undefined } : { pathname: url.slice(0, q), query: url.slice(q + 1) };
}

/** §8 item 33: `key` and `dir` both present, `dir` exactly read/write, URL-decoded. */
function parseChannelQuery(query: string | undefined): { key: string; dir: 'read' | 'write' } | string {
  const params = new URLSearchParams(query ?? '');
  const key = params.get('key');
  const dir = params.get('dir');
  if (key === null) return 'Failed to deserialize query string: missing field `key`';
  if (dir === null) return 'Failed to deserialize query string: missing field `dir`';
  if (dir !== 'read' && dir !== 'write') {
    return `Failed to deserialize query string: dir: unknown variant \`${dir}\`, expected \`read\` or \`write\``;
  }
  return { key, dir };
}

/** The WS header checks of axum's `WebSocketUpgrade` (§8 item 1). Returns an error text or undefined. */
function checkUpgradeHeaders(req: http.IncomingMessage): string | undefined {
  const connection = (req.headers.connection ?? '').toLowerCase();
  if (!connection.split(',').some((t) => t.trim() === 'upgrade')) return "Connection header did not include 'upgrade'";
  if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket') return "`Upgrade` header did not include 'websocket'";
  if (req.headers['sec-websocket-version'] !== '13') return "`Sec-WebSocket-Version` header did not include '13'";
  const key = req.headers['sec-websocket-key'];
  if (typeof key !== 'string' || !/^[+/0-9A-Za-z]{22}==$/.test(key.trim())) return '`Sec-WebSocket-Key` header missing';
  return undefined;
}

function writeRaw(socket: Duplex, status: number, text: string, body: string): void {
  if (socket.destroyed) return;
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `${body ? 'Content-Type: text/plain; charset=utf-8\r\n' : ''}Connection: close\r\n\r\n${body}`,
  );
}

function respond(res: http.ServerResponse, status: number, body: string): void {
  res.statusCode = status;
  if (body) res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}

export async function startListener(engine: Engine, config: ListenerConfig, defaultPort: number): Promise<ListenerRuntime> {
  const host = config.host ?? '127.0.0.1';
  const handshakeMs = config.handshake_timeout_ms ?? 10000;
  const workerWss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: MAX_FRAME });
  // §8 item 37: the reader side of a channel is never read, so no automatic pong there.
  const channelWss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: MAX_FRAME, autoPong: false });

  const server = http.createServer();
  const runtime: ListenerRuntime = {
    config,
    exposeFilters: compileExposeFilters(config.rbac?.expose_functions),
    server,
    host,
    port: 0,
    sockets: new Set(),
  };

  // §1.1: every TCP connection must finish its request headers within the handshake timeout.
  server.on('connection', (socket) => {
    runtime.sockets.add(socket);
    socket.on('close', () => runtime.sockets.delete(socket));
    const timer = setTimeout(() => socket.destroy(), handshakeMs);
    timer.unref();
    (socket as unknown as { __iiiHandshake?: NodeJS.Timeout }).__iiiHandshake = timer;
    socket.on('close', () => clearTimeout(timer));
  });
  const headersDone = (socket: Duplex): void => {
    const t = (socket as unknown as { __iiiHandshake?: NodeJS.Timeout }).__iiiHandshake;
    if (t) clearTimeout(t);
  };

  // Plain HTTP requests (no Upgrade header).
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    headersDone(req.socket);
    const { pathname, query } = splitUrl(req.url ?? '/');
    const route = matchRoute(pathname);
    if (!route) return respond(res, 404, '');
    if (req.method !== 'GET') return respond(res, 405, '');
    if (route.kind === 'channel') {
      const q = parseChannelQuery(query);
      if (typeof q === 'string') return respond(res, 400, q);
    }
    return respond(res, 400, checkUpgradeHeaders(req) ?? "Connection header did not include 'upgrade'");
  });

  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    headersDone(socket);
    socket.on('error', () => undefined);
    const { pathname, query } = splitUrl(req.url ?? '/');
    const route = matchRoute(pathname);
    if (!route) return writeRaw(socket, 404, 'Not Found', '');
    if (req.method !== 'GET') return writeRaw(socket, 405, 'Method Not Allowed', '');
    if (engine.isClosed) return socket.destroy();
    if (route.kind === 'channel') {
      const q = parseChannelQuery(query);
      if (typeof q === 'string') return writeRaw(socket, 400, 'Bad Request', q);
      const bad = checkUpgradeHeaders(req);
      if (bad) return writeRaw(socket, 400, 'Bad Request', bad);
      const ch = engine.channels.lookup(route.id, q.key);
      if (!ch) return writeRaw(socket, 404, 'Not Found', 'Channel not found');
      channelWss.handleUpgrade(req, socket, head, (ws) => engine.channels.attach(ch, ws, q.dir));
      return;
    }
    const bad = checkUpgradeHeaders(req);
    if (bad) return writeRaw(socket, 400, 'Bad Request', bad);
    workerWss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', () => undefined);
      if (route.kind === 'worker') void engine.acceptWorker(ws, req, runtime);
      else void engine.acceptOtel(ws, req, runtime);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port ?? defaultPort, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  runtime.port = typeof addr === 'object' && addr ? addr.port : 0;
  return runtime;
}

/** Frees the port; every connection is dropped without a Close handshake (§3.13). */
export function stopListener(l: ListenerRuntime): Promise<void> {
  return new Promise((resolve) => {
    l.server.close(() => resolve());
    l.server.closeAllConnections();
    for (const s of l.sockets) s.destroy();
    l.sockets.clear();
  });
}
