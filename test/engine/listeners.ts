// One HTTP server per listener with manual WebSocket upgrade routing (protocol.md §1.1, §4.2,
// §6.1, §8 items 1, 2, 33). What a route leads to is the engine's business: a listener only
// sees the narrow ListenerServices.
import * as http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Channel } from './channels.js';
import { DEFAULT_HANDSHAKE_TIMEOUT_MS, type ListenerConfig } from './options.js';
import { listenerPolicy, type ListenerPolicy } from './rbac.js';
import { checkUpgradeHeaders, matchRoute, parseChannelQuery, splitUrl } from './routes.js';
import { MAX_FRAME } from './sockets.js';

export interface ListenerServices {
  readonly isClosed: boolean;
  acceptWorker(ws: WebSocket, req: http.IncomingMessage, policy: ListenerPolicy): void;
  acceptOtel(ws: WebSocket, req: http.IncomingMessage, policy: ListenerPolicy): void;
  lookupChannel(id: string, key: string): Channel | undefined;
  attachChannel(channel: Channel, ws: WebSocket, dir: 'read' | 'write'): void;
}

export interface RunningListener {
  readonly host: string;
  readonly port: number;
  readonly policy: ListenerPolicy;
  /** Frees the port and drops every connection without a Close handshake (§3.13). */
  stop(): Promise<void>;
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

export async function startListener(services: ListenerServices, config: ListenerConfig & { host: string; port: number }): Promise<RunningListener> {
  const handshakeMs = config.handshake_timeout_ms ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
  const policy = listenerPolicy(config);
  // WebSocket pings on `/` and `/otel` are answered by the engine, one pending pong at a time
  // (sockets.ts answerPings); channel sockets never answer them (§4.3, §8 item 37).
  const workerWss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: MAX_FRAME, autoPong: false });
  const channelWss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: MAX_FRAME, autoPong: false });
  const server = http.createServer();
  /** Every accepted TCP socket (HTTP or upgraded), so stop() can drop them all. */
  const sockets = new Set<Duplex>();
  const handshakeTimers = new Map<Duplex, NodeJS.Timeout>();
  const headersDone = (socket: Duplex): void => {
    clearTimeout(handshakeTimers.get(socket));
    handshakeTimers.delete(socket);
  };

  // §1.1: every TCP connection must finish its request headers within the handshake timeout.
  server.on('connection', (socket) => {
    sockets.add(socket);
    handshakeTimers.set(
      socket,
      setTimeout(() => socket.destroy(), handshakeMs),
    );
    socket.on('close', () => {
      sockets.delete(socket);
      headersDone(socket);
    });
  });

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
    if (services.isClosed) return socket.destroy();
    if (route.kind === 'channel') {
      const q = parseChannelQuery(query);
      if (typeof q === 'string') return writeRaw(socket, 400, 'Bad Request', q);
      const bad = checkUpgradeHeaders(req);
      if (bad) return writeRaw(socket, 400, 'Bad Request', bad);
      const ch = services.lookupChannel(route.id, q.key);
      if (!ch) return writeRaw(socket, 404, 'Not Found', 'Channel not found');
      channelWss.handleUpgrade(req, socket, head, (ws) => services.attachChannel(ch, ws, q.dir));
      return;
    }
    const bad = checkUpgradeHeaders(req);
    if (bad) return writeRaw(socket, 400, 'Bad Request', bad);
    workerWss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', () => undefined);
      if (route.kind === 'worker') services.acceptWorker(ws, req, policy);
      else services.acceptOtel(ws, req, policy);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  return {
    host: config.host,
    port: typeof addr === 'object' && addr ? addr.port : 0,
    policy,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const s of sockets) s.destroy();
        sockets.clear();
        for (const t of handshakeTimers.values()) clearTimeout(t);
        handshakeTimers.clear();
      }),
  };
}
