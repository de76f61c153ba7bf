// Socket-level bookkeeping on top of `ws`: who closed a socket (protocol.md §2.1, §4.3, §8 items
// 35, 40) and WebSocket-level pings (§3.10).
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

/**
 * Answers WebSocket Ping frames with Pong (§3.10) without `ws`'s automatic pong (the server is
 * created with `autoPong: false`): a peer that pings without reading would otherwise make the
 * engine buffer one pong per ping forever. Like tungstenite, at most one pong is pending: while
 * one is being written, a newer ping replaces the one waiting.
 */
export function answerPings(ws: WebSocket): void {
  let writing = false;
  let next: Buffer | undefined;
  const pong = (data: Buffer): void => {
    writing = true;
    ws.pong(data, false, () => {
      writing = false;
      const queued = next;
      next = undefined;
      if (queued !== undefined && ws.readyState === ws.OPEN) pong(queued);
    });
  };
  ws.on('ping', (data: Buffer) => {
    if (ws.readyState !== ws.OPEN) return;
    if (writing) next = data;
    else pong(data);
  });
}
