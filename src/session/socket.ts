/** One worker socket as the connection's phases hold it: the transport and its close. */
import type { Platform, Transport, TransportFactory } from '../platform.js';
import { scrub } from '../redact.js';
import { CLOSE_CODES } from './outcomes.js';

export interface Socket {
  transport: Transport;
  /** Resolved when the transport reports its close, whoever started it. */
  closed: Promise<void>;
}

export interface SocketEvents {
  open(): void;
  frame(data: string | Uint8Array): void;
  /**
   * The socket closed (`OUTCOMES.closed`). The error says whether it had opened, names the code,
   * and carries what the transport reported as its `cause` (Node: `ECONNREFUSED`, `ENOTFOUND`,
   * `Unexpected server response: 200`, TLS errors; a browser reports nothing more than the code).
   */
  closed(error: Error): void;
}

/**
 * Creates the transport; throws what the factory throws (no WebSocket, a malformed URL). Every
 * error it reports is scrubbed of `secrets` (redact.ts): some runtimes quote the whole URL.
 */
export function openSocket(
  transport: TransportFactory,
  url: string,
  headers: Record<string, string> | undefined,
  secrets: readonly string[],
  events: SocketEvents,
): Socket {
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));
  let opened = false;
  let failure: Error | undefined;
  const t = transport(url, headers ? { headers } : {}, {
    onOpen: () => {
      opened = true;
      events.open();
    },
    onMessage: (data) => events.frame(data),
    // The close follows with the code; the first error is the most specific cause.
    onError: (error) => void (failure ??= scrub(error, secrets)),
    onClose: (code, rawReason) => {
      resolveClosed();
      const reason = scrub(new Error(rawReason), secrets).message;
      const detail = failure?.message ?? reason;
      let message: string;
      if (!opened) message = `could not connect: ${detail || `closed with code ${code}`}`;
      else {
        const meaning = CLOSE_CODES[code];
        message = `connection closed (code ${code}${meaning ? `, ${meaning}` : ''})${detail ? `: ${detail}` : ''}`;
      }
      events.closed(new Error(message, failure ? { cause: failure } : undefined));
    },
  });
  return { transport: t, closed };
}

/** Resolves when `socket` has closed, or after `ms` at the latest. */
export function closedWithin(platform: Platform, socket: Socket, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = platform.setTimeout(resolve, ms);
    void socket.closed.then(() => {
      platform.clearTimeout(timer);
      resolve();
    });
  });
}
