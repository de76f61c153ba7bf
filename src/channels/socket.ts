/**
 * Opening one channel socket, with a bounded wait and a clear error when the engine refuses it.
 */
import { ChannelError } from '../errors.js';
import type { Transport } from '../platform.js';
import { redactUrl, scrub, secretsOf } from '../redact.js';
import { DEFAULT_CHANNEL_OPEN_TIMEOUT_MS, type ChannelOptions } from './options.js';

export type ChannelSide = 'reader' | 'writer';

export interface ChannelSocketEvents {
  open(): void;
  message(data: string | Uint8Array): void;
  /** The socket closed after it had opened. */
  closed(code: number, reason: string): void;
  /** The socket never opened (refused, unreachable, or too slow). Nothing else follows. */
  failed(error: ChannelError): void;
}


/** Explains a socket that failed before the upgrade completed (protocol.md §4.2, §8 item 33). */
export function openFailure(channelId: string, side: ChannelSide, url: string, detail: string | undefined, cause?: unknown): ChannelError {
  const where = redactUrl(url);
  const text = detail ?? '';
  if (/\b404\b/.test(text)) {
    return new ChannelError(
      `Channel ${channelId} is unknown to the engine or its access key is wrong (HTTP 404 before the ` +
        `WebSocket upgrade at ${where}). Check that the ref is passed unchanged from ` +
        `engine::channels::create on this same engine, and that it is used within 5 minutes when one ` +
        `side has never connected (the engine sweeps such channels, protocol.md §4.5).`,
      channelId,
      cause,
    );
  }
  if (/\b400\b/.test(text)) {
    return new ChannelError(
      `The engine rejected the ${side} URL of channel ${channelId} (HTTP 400 at ${where}): the key or dir ` +
        `query parameter is missing or malformed (protocol.md §8 item 33).`,
      channelId,
      cause,
    );
  }
  // Browsers do not expose the HTTP status of a refused upgrade, so both causes are named.
  return new ChannelError(
    `Could not open the ${side} socket of channel ${channelId} at ${where}${text ? ` (${text})` : ''}. ` +
      `Either the engine is not reachable at this address, or the channel id is unknown or its access ` +
      `key is wrong (the engine answers 404 before the upgrade, protocol.md §4.2).`,
    channelId,
    cause,
  );
}

/**
 * Opens the socket and reports through `events`. Exactly one of `failed` or (`open`, then
 * eventually `closed`) happens. The wait for the upgrade is bounded by `openTimeoutMs`.
 */
export function openChannelSocket(
  url: string,
  channelId: string,
  side: ChannelSide,
  options: ChannelOptions,
  events: ChannelSocketEvents,
): Transport {
  const { platform } = options;
  let phase: 'connecting' | 'open' | 'done' = 'connecting';
  let lastError: Error | undefined;
  const timeoutMs = options.openTimeoutMs ?? DEFAULT_CHANNEL_OPEN_TIMEOUT_MS;
  const secrets = accessKeyOf(url);
  const fail = (error: ChannelError): void => {
    if (phase !== 'connecting') return;
    phase = 'done';
    platform.clearTimeout(timer);
    events.failed(error);
  };
  const timer = platform.setTimeout(() => {
    if (phase !== 'connecting') return;
    fail(new ChannelError(`The ${side} socket of channel ${channelId} did not open within ${timeoutMs} ms (${redactUrl(url)}).`, channelId));
    transport.close();
  }, timeoutMs);
  const transport: Transport = platform.connect(
    url,
    { drainWaits: side === 'writer' },
    {
      onOpen: () => {
        if (phase !== 'connecting') return;
        phase = 'open';
        platform.clearTimeout(timer);
        events.open();
      },
      onMessage: (data) => {
        if (phase === 'open') events.message(data);
      },
      onError: (error) => {
        // Some runtimes quote the whole URL in their error (Bun does), access key included.
        lastError = scrub(error, secrets);
      },
      onClose: (code, rawReason) => {
        // Reasons from the runtime end up in messages too (reader-core.ts, writer-core.ts).
        const reason = rawReason && scrub(new Error(rawReason), secrets).message;
        if (phase === 'connecting') {
          fail(openFailure(channelId, side, url, lastError?.message ?? (reason || `close code ${code}`), lastError));
          return;
        }
        if (phase !== 'open') return;
        phase = 'done';
        events.closed(code, reason);
      },
    },
  );
  return transport;
}

/**
 * The channel's credential, its access key (§4.2), as written in `url` and decoded: what a
 * runtime's error must be scrubbed of. Only the key: `dir`'s value (`read`) is no secret, and
 * masking it would garble words in the runtime's message.
 */
function accessKeyOf(url: string): string[] {
  const key = /[?&]key=([^&#]*)/.exec(url)?.[1];
  return key ? secretsOf(`?key=${key}`, undefined) : [];
}
