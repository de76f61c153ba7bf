// Close-frame bookkeeping on top of `ws` (protocol.md §2.1, §4.3, §8 items 35, 40).
import type { WebSocket } from 'ws';

/** 16 MiB per frame (tungstenite default, §2.1). `ws` has one limit for frames and messages. */
export const MAX_FRAME = 16 * 1024 * 1024;

/**
 * Wraps `ws.close` on one socket so the engine can tell who closed:
 * - `ws` answers a peer's Close frame by calling `close(code, reason)` (reason always a Buffer,
 *   or no arguments for a Close without code) → `onPeerClose` (§8 item 40);
 * - `ws` reacts to a read error (frame too large, bad UTF-8, protocol error) by calling
 *   `close(code)` with no reason → the socket is dropped without a Close frame instead, which
 *   is what the engine does on a read error (§2.1), then `onPeerClose`.
 * Returns the function the engine uses for its own Close frames.
 */
export function trackClose(ws: WebSocket, onPeerClose: () => void): (code?: number) => void {
  const originalClose = ws.close.bind(ws);
  let engineClosing = false;
  ws.close = (code?: number, reason?: string | Buffer) => {
    if (engineClosing) {
      originalClose(code, reason);
      return;
    }
    if (code !== undefined && reason === undefined) {
      ws.terminate(); // read error: no Close frame
    } else {
      originalClose(code, reason);
    }
    onPeerClose();
  };
  return (code?: number) => {
    engineClosing = true;
    if (ws.readyState === ws.OPEN) originalClose(code);
  };
}
