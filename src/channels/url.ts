/**
 * Channel endpoint URLs (protocol.md §4.2).
 *
 * The official SDKs append `/ws/channels/…` to the worker address *string*, so an address carrying
 * a query (`ws://host:49135?token=abc`, the documented browser auth form) yields
 * `ws://host:49135?token=abc/ws/channels/<id>?key=…`, which hits the worker route `/` instead of
 * the channel route (protocol.md §7 item 9). Here the address is parsed and rebuilt instead:
 *
 * - scheme: `ws:`/`wss:` kept, `http:` → `ws:`, `https:` → `wss:` (anything else is a TypeError);
 * - host and port kept; user info dropped (browsers refuse it in WebSocket URLs);
 * - path: a prefix is KEPT, trailing slashes removed, then `/ws/channels/<id>` appended. An engine
 *   published behind a reverse proxy under `wss://example.com/iii/` serves its channels under
 *   `wss://example.com/iii/ws/channels/…`; an engine reached directly has path `/` and gets
 *   `/ws/channels/…`, exactly the route of §4.2. Keeping the prefix is the only choice that works
 *   behind a proxy; dropping it would only "help" addresses that point at a non-root path of a bare
 *   engine, which no engine route accepts anyway (§8 item 2: every other path is a 404).
 * - query: REPLACED by `key` and `dir`. The worker address's own query (typically `?token=`) is a
 *   worker-route credential; channels are not RBAC-authenticated (§1.1, the access key is the
 *   credential), so it is neither needed nor worth leaking into another URL.
 * - fragment: dropped.
 */
import { redactUrl } from '../redact.js';
import type { StreamChannelRef } from './ref.js';

/** The engine's route prefix for data channels (protocol.md §4.2). */
const CHANNEL_ROUTE = '/ws/channels/';

/**
 * The channel socket's scheme: `ws:` for a `ws:` or `http:` engine address, `wss:` for `wss:` or
 * `https:`; any other scheme has no channel route.
 */
function wsScheme(protocol: string, input: string): string {
  const secure = /^(?:ws|http)(s?):$/.exec(protocol);
  if (!secure) {
    throw new TypeError(
      `Cannot build a channel URL from engine address "${redactUrl(input)}": expected a ws://, wss://, http:// or https:// URL.`,
    );
  }
  return `ws${secure[1]}:`;
}

/**
 * The WebSocket URL of one end of a channel:
 * `<ws|wss>://<host>[:port][/prefix]/ws/channels/<id>?key=<access_key>&dir=<read|write>`.
 * `dir` is taken from `ref.direction` (the side the holder of the ref opens, §4.1).
 */
export function channelUrl(engineWsBase: string, ref: StreamChannelRef): string {
  let parsed: URL;
  try {
    parsed = new URL(engineWsBase);
  } catch {
    // No `cause`: Node's URL error carries the whole address in its `input` property.
    throw new TypeError(`Cannot build a channel URL: "${redactUrl(engineWsBase)}" is not an absolute URL.`);
  }
  const scheme = wsScheme(parsed.protocol, engineWsBase);
  const prefix = parsed.pathname.replace(/\/+$/, '');
  // encodeURIComponent rather than URLSearchParams: the latter writes a space as "+", and an
  // access key is opaque (§2.1), so percent-encoding every reserved character is the safe form.
  const query = `key=${encodeURIComponent(ref.access_key)}&dir=${ref.direction === 'write' ? 'write' : 'read'}`;
  return `${scheme}//${parsed.host}${prefix}${CHANNEL_ROUTE}${encodeURIComponent(ref.channel_id)}?${query}`;
}
