/**
 * A transparent WebSocket proxy on 127.0.0.1 that records every frame in both directions, on
 * every path (`/`, `/otel`, `/ws/channels/...`): what a worker really puts on the wire, whichever
 * engine is behind it. The upstream socket is opened before the client's upgrade is answered, so
 * an upstream refusal (404, 400) reaches the client as the same HTTP status.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer, type RawData } from 'ws';

export interface RecordedFrame {
  /** Path of the socket, without the query (`/`, `/otel`, `/ws/channels/<id>`). */
  path: string;
  from: 'client' | 'engine';
  /** Text frames as text; binary frames as bytes (only the first 64 KiB are kept). */
  text?: string;
  binary?: Buffer;
  size: number;
}

export interface RecordedUpgrade {
  path: string;
  /** The query parameters' names, in order. */
  query: string[];
}

export interface RecordingProxy {
  url: string;
  frames: RecordedFrame[];
  upgrades: RecordedUpgrade[];
  /** Cuts the client sockets on `path` (no Close frame), as a network failure would. */
  drop(path: string): void;
  /** Text frames from clients on `/`, parsed (the worker protocol). */
  clientFrames(): Array<Record<string, any>>;
  close(): Promise<void>;
}

const KEEP_BINARY = 64 * 1024;
/** The engine's own limit per message (protocol.md §2.1) is above anything the tests send. */
const MAX_PAYLOAD = 64 * 1024 * 1024;

/**
 * Rewrites a text frame on its way (`from` says which side sent it): return the text(s) to pass
 * on instead, `[]` to swallow it; `reply(text)` sends a frame back to the sender, as if the other
 * side had answered. Recorded is what the sender sent, before the rewrite.
 */
export type Rewrite = (path: string, from: RecordedFrame['from'], text: string, reply: (text: string) => void) => string | string[];

export async function startRecordingProxy(targetUrl: string, options: { rewrite?: Rewrite } = {}): Promise<RecordingProxy> {
  const target = targetUrl.replace(/\/$/, '');
  const frames: RecordedFrame[] = [];
  const upgrades: RecordedUpgrade[] = [];
  const sockets = new Set<WebSocket>();
  const clientsByPath = new Map<WebSocket, string>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_PAYLOAD });
  const server = createServer((_req, res) => res.writeHead(404).end());

  const record = (path: string, from: RecordedFrame['from'], data: RawData, isBinary: boolean): RecordedFrame => {
    const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    const frame: RecordedFrame = isBinary ? { path, from, binary: buf.subarray(0, KEEP_BINARY), size: buf.length } : { path, from, text: buf.toString('utf8'), size: buf.length };
    frames.push(frame);
    return frame;
  };

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = req.url ?? '/';
    const path = url.split('?')[0]!;
    upgrades.push({ path, query: [...new URLSearchParams(url.split('?')[1] ?? '').keys()] });
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (typeof v === 'string' && !k.startsWith('sec-websocket') && !['host', 'connection', 'upgrade'].includes(k)) headers[k] = v;
    }
    const upstream = new WebSocket(target + url, { headers, maxPayload: MAX_PAYLOAD, perMessageDeflate: false });
    sockets.add(upstream);
    upstream.once('unexpected-response', (_r, res) => {
      socket.end(`HTTP/1.1 ${res.statusCode} ${res.statusMessage}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
      upstream.terminate();
    });
    upstream.once('error', () => socket.destroy());
    upstream.once('open', () => {
      wss.handleUpgrade(req, socket, head, (client) => {
        sockets.add(client);
        clientsByPath.set(client, path);
        client.once('close', () => clientsByPath.delete(client));
        const forward = (from: RecordedFrame['from'], to: WebSocket, back: WebSocket) => (data: RawData, isBinary: boolean) => {
          const frame = record(path, from, data, isBinary);
          if (to.readyState !== WebSocket.OPEN) return;
          if (isBinary || !options.rewrite) {
            to.send(data, { binary: isBinary });
            return;
          }
          const reply = (text: string): void => {
            if (back.readyState === WebSocket.OPEN) back.send(text);
          };
          for (const text of [options.rewrite(path, from, frame.text!, reply)].flat()) to.send(text);
        };
        client.on('message', forward('client', upstream, client));
        upstream.on('message', forward('engine', client, upstream));
        // Pass each side's Close on with its code; 1005/1006 (no code) cannot be sent, so plain close.
        const pass = (to: WebSocket) => (code: number, reason: Buffer) => {
          if (to.readyState !== WebSocket.OPEN) return;
          if (code >= 1000 && code !== 1005 && code !== 1006) to.close(code, reason);
          else to.close();
        };
        client.on('close', pass(upstream));
        upstream.on('close', pass(client));
        client.on('error', () => upstream.terminate());
        upstream.on('error', () => client.terminate());
      });
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    frames,
    upgrades,
    drop(path) {
      for (const [client, p] of clientsByPath) if (p === path) client.terminate();
    },
    clientFrames() {
      return frames.filter((f) => f.path === '/' && f.from === 'client' && f.text !== undefined).map((f) => JSON.parse(f.text!) as Record<string, any>);
    },
    async close() {
      for (const s of sockets) s.terminate();
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
