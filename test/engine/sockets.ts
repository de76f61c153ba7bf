// Socket-level bookkeeping on top of `ws`: who closed a socket (protocol.md §2.1, §4.3, §8 items
// 35, 40), WebSocket-level pings (§3.10), and the refusal of a connection whose auth failed (§1.3,
// §8 items 41, 43).
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

/** §2.1: 16 MiB per WebSocket frame, 64 MiB per message (tungstenite 0.29 defaults, kept by the real engine). */
export const MAX_FRAME = 16 * 1024 * 1024;
export const MAX_MESSAGE = 64 * 1024 * 1024;

/** What `limitFrameSize` uses of a `ws` 8.23 receiver (the frame parser of one socket). */
interface ReceiverInternals {
  _opcode: number;
  _payloadLength: number;
  haveLength(cb: (err?: Error) => void): void;
  createError(ctor: typeof RangeError, message: string, prefix: boolean, statusCode: number, errorCode: string): Error;
}

/**
 * `ws` has one size limit, `maxPayload`, and counts it per message: the servers get the 64 MiB of
 * a message, and here each socket's frame parser gets the 16 MiB of a frame, checked where `ws`
 * checks its own limit, as soon as a frame's length is read (as tungstenite does). Too large a
 * frame is then the same read error as too large a message: `ws` closes with 1009, which
 * `trackClose` turns into a drop without Close frame (§2.1). This reaches into `ws` internals
 * (the package pins ws 8.23.0): `false` when they are not what is expected.
 */
export function limitFrameSize(ws: WebSocket, maxFrame = MAX_FRAME): boolean {
  const receiver = (ws as unknown as { _receiver?: Partial<ReceiverInternals> })._receiver;
  const haveLength = receiver?.haveLength;
  if (!receiver || typeof haveLength !== 'function' || typeof receiver.createError !== 'function') return false;
  receiver.haveLength = function (this: ReceiverInternals, cb: (err?: Error) => void): void {
    // Control frames (opcode 8 and up) are limited to 125 bytes by `ws` itself.
    if (this._opcode < 0x08 && this._payloadLength > maxFrame) {
      cb(this.createError(RangeError, 'Max frame size exceeded', false, 1009, 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'));
      return;
    }
    haveLength.call(this, cb);
  };
  return true;
}

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

/** A Close frame without status code, as the server sends it (RFC 6455 §5.5.1: unmasked, empty). */
const CLOSE_WITHOUT_CODE = Buffer.from([0x88, 0x00]);

/**
 * Refuses an upgraded connection whose auth failed (§1.3, §8 items 41, 43), the way the real engine
 * returns from its connection handler: the `error` frame, a Close frame without status code, and
 * the socket is closed as soon as they are written, without waiting for the client's Close and
 * without reading what the client sent after the upgrade. `readAtUpgrade` is `socket.bytesRead`
 * when the upgrade completed.
 *
 * When the client did send something (every SDK sends its announce at once), the real engine's
 * kernel resets the connection (a socket closed with unread data), and the two-byte Close frame,
 * held back by Nagle's algorithm behind the unacknowledged `error` frame (the engine does not set
 * TCP_NODELAY), is discarded with the reset: the client gets the `error` frame at most, then a
 * reset (a `ws` client reports 1006). Here the reset follows the `error` frame the same way.
 */
export function refuseAndDrop(ws: WebSocket, socket: Socket, text: string, readAtUpgrade: number): void {
  if (ws.readyState !== ws.OPEN || socket.destroyed) return;
  if (socket.bytesRead > readAtUpgrade) {
    ws.send(text, () => {
      if (!socket.destroyed) socket.resetAndDestroy();
    });
    return;
  }
  // `ws` writes the text frame to the socket at once (no compression), so the Close follows it.
  ws.send(text);
  socket.write(CLOSE_WITHOUT_CODE, () => socket.destroy());
}
