/** One worker socket as the connection's phases hold it: the transport and its close. */
import type { Platform, Transport, TransportFactory } from '../platform.js';
import { CLOSE_CODES } from './outcomes.js';

export interface Socket {
  transport: Transport;
  /** Resolved when the transport reports its close, whoever started it. */
  closed: Promise<void>;
}

export interface SocketEvents {
  open(): void;
  frame(data: string | Uint8Array): void;
  /** The socket closed (`OUTCOMES.closed`); the error names the code and what it means. */
  closed(error: Error): void;
}

/** Creates the transport; throws what the factory throws (no WebSocket, a malformed URL). */
export function openSocket(transport: TransportFactory, url: string, headers: Record<string, string> | undefined, events: SocketEvents): Socket {
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));
  const t = transport(url, headers ? { headers } : {}, {
    onOpen: () => events.open(),
    onMessage: (data) => events.frame(data),
    onError: () => {
      // onClose always follows with the code; nothing to do here.
    },
    onClose: (code, reason) => {
      resolveClosed();
      const meaning = CLOSE_CODES[code];
      events.closed(new Error(`connection closed (code ${code}${meaning ? `, ${meaning}` : ''}${reason ? `: ${reason}` : ''})`));
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
