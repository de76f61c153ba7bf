// What a listener answers before any upgrade (protocol.md §1.1, §4.2, §8 items 1, 2, 33): exact
// route matching, the channel query, and axum's WebSocket header checks.
import type { IncomingMessage } from 'node:http';

export type Route = { kind: 'worker' } | { kind: 'otel' } | { kind: 'channel'; id: string } | undefined;

/** Exact routes only; anything else is 404 before any upgrade check (§8 item 2). */
export function matchRoute(pathname: string): Route {
  if (pathname === '/') return { kind: 'worker' };
  if (pathname === '/otel') return { kind: 'otel' };
  const m = /^\/ws\/channels\/([^/]+)$/.exec(pathname);
  if (!m) return undefined;
  try {
    return { kind: 'channel', id: decodeURIComponent(m[1]!) };
  } catch {
    return undefined;
  }
}

export function splitUrl(url: string): { pathname: string; query: string | undefined } {
  const q = url.indexOf('?');
  return q < 0 ? { pathname: url, query: undefined } : { pathname: url.slice(0, q), query: url.slice(q + 1) };
}

/** §8 item 33: `key` and `dir` both present, `dir` exactly read/write, URL-decoded. */
export function parseChannelQuery(query: string | undefined): { key: string; dir: 'read' | 'write' } | string {
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
export function checkUpgradeHeaders(req: IncomingMessage): string | undefined {
  const connection = (req.headers.connection ?? '').toLowerCase();
  if (!connection.split(',').some((t) => t.trim() === 'upgrade')) return "Connection header did not include 'upgrade'";
  if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket') return "`Upgrade` header did not include 'websocket'";
  if (req.headers['sec-websocket-version'] !== '13') return "`Sec-WebSocket-Version` header did not include '13'";
  const key = req.headers['sec-websocket-key'];
  if (typeof key !== 'string' || !/^[+/0-9A-Za-z]{22}==$/.test(key.trim())) return '`Sec-WebSocket-Key` header missing';
  return undefined;
}
