/**
 * The demo's small web server (127.0.0.1 only): the page's static files, the page's
 * configuration, and a few control endpoints (restart the engine, make the Node worker toast).
 */
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export interface PageConfig {
  /** The engine's RBAC listener, without credentials. */
  engineUrl: string;
  /** The token the page puts in its WebSocket URL query (a `?token=` on the page wins). */
  token: string;
  edgeUrl: string | null;
  canRestartEngine: boolean;
  exposedFunctions: string[];
}

export interface ServerHooks {
  config(): PageConfig;
  restartEngine(): Promise<void>;
  toast(message: string): Promise<unknown>;
  status(): Record<string, unknown>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
};
const STATIC = new Set(['/index.html', '/app.js', '/style.css', '/favicon.svg']);
const MAX_BODY = 64 * 1024;

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': TYPES['.json']!, 'cache-control': 'no-store' });
  res.end(text);
}

async function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return {};
  const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}

export interface DemoServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startServer(options: { port: number; publicDir: string; hooks: ServerHooks; log?: (line: string) => void }): Promise<DemoServer> {
  const { hooks, publicDir } = options;
  const log = options.log ?? ((line: string) => console.log(line));

  const server = http.createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, { ok: false, error: String(error instanceof Error ? error.message : error) });
      else res.destroy();
    });
  });
  // Keep-alive sockets must not hold Ctrl-C up.
  server.keepAliveTimeout = 2000;

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const route = `${req.method} ${url.pathname}`;
    switch (route) {
      case 'GET /config.json':
        return send(res, 200, hooks.config());
      case 'GET /api/status':
        return send(res, 200, hooks.status());
      case 'POST /api/restart-engine': {
        if (!hooks.config().canRestartEngine) return send(res, 409, { ok: false, error: 'the engine is external (III_URL)' });
        const started = Date.now();
        await hooks.restartEngine();
        return send(res, 200, { ok: true, downtime_ms: Date.now() - started });
      }
      case 'POST /api/toast': {
        const body = await readJson(req);
        const message = typeof body.message === 'string' && body.message.trim() ? body.message.slice(0, 200) : 'Hello from the demo server';
        try {
          const answer = await hooks.toast(message);
          return send(res, 200, { ok: true, answer });
        } catch (error) {
          const e = error as { name?: string; code?: string; message?: string };
          return send(res, 502, { ok: false, error: { name: e.name, code: e.code, message: e.message } });
        }
      }
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { ok: false, error: 'method not allowed' });
    const file = url.pathname === '/' ? '/index.html' : url.pathname;
    if (!STATIC.has(file)) return send(res, 404, { ok: false, error: 'not found' });
    let body: Buffer;
    try {
      body = await readFile(path.join(publicDir, file));
    } catch {
      return send(res, 404, { ok: false, error: `${file} is missing (was the page built?)` });
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      const onError = (error: Error) => {
        server.off('listening', onListening);
        reject(error);
      };
      const onListening = () => {
        server.off('error', onError);
        resolve();
      };
      server.once('error', onError);
      server.once('listening', onListening);
      server.listen(port, '127.0.0.1');
    });

  try {
    await listen(options.port);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || options.port === 0) throw error;
    log(`[server] port ${options.port} is taken; using a free port`);
    await listen(0);
  }
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
