// A WebSocket client on a bare TCP socket, for what a `ws` client does on its own and a test must
// not: answering the engine's Close frame. It sees exactly what reaches the socket: frames in
// order, then how the TCP connection ended (FIN or reset) and when.
import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import { withTimeout } from './raw-client';

export interface TcpFrame {
  opcode: number;
  payload: Buffer;
}

export interface TcpEnd {
  /** `reset`: the peer reset the connection (ECONNRESET); `fin`: it closed it in order. */
  how: 'reset' | 'fin';
  /** Milliseconds from the engine's Close frame (or from the upgrade when none came) to the end. */
  afterCloseMs: number;
}

/** Parses unmasked server frames from a byte stream; returns the complete ones and the rest. */
function parseFrames(buf: Buffer): { frames: TcpFrame[]; rest: Buffer } {
  const frames: TcpFrame[] = [];
  let at = 0;
  for (;;) {
    if (buf.length - at < 2) break;
    const opcode = buf[at]! & 0x0f;
    let len = buf[at + 1]! & 0x7f;
    let head = 2;
    if (len === 126) {
      if (buf.length - at < 4) break;
      len = buf.readUInt16BE(at + 2);
      head = 4;
    } else if (len === 127) {
      if (buf.length - at < 10) break;
      len = Number(buf.readBigUInt64BE(at + 2));
      head = 10;
    }
    if (buf.length - at < head + len) break;
    frames.push({ opcode, payload: buf.subarray(at + head, at + head + len) });
    at += head + len;
  }
  return { frames, rest: buf.subarray(at) };
}

/** One masked client frame (RFC 6455 §5.2), FIN set. */
export function clientFrame(opcode: number, payload: Buffer): Buffer {
  const mask = randomBytes(4);
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0x80 | opcode, 0x80 | len]) : Buffer.from([0x80 | opcode, 0x80 | 126, len >> 8, len & 0xff]);
  if (len > 0xffff) throw new Error('clientFrame: payloads up to 64 KiB only');
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i] = body[i]! ^ mask[i % 4]!;
  return Buffer.concat([head, mask, body]);
}

export class TcpWebSocket {
  readonly frames: TcpFrame[] = [];
  private buffered: Buffer = Buffer.alloc(0);
  private closeFrameAt: number | undefined;
  private readonly upgradedAt = Date.now();
  private endInfo: TcpEnd | undefined;
  private endWaiters: Array<(e: TcpEnd) => void> = [];
  private frameWaiters: Array<() => void> = [];

  constructor(readonly socket: net.Socket, head: Buffer) {
    let reset = false;
    socket.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ECONNRESET') reset = true;
    });
    socket.on('data', (chunk: Buffer) => this.take(chunk));
    socket.on('close', () => {
      const from = this.closeFrameAt ?? this.upgradedAt;
      this.endInfo = { how: reset ? 'reset' : 'fin', afterCloseMs: Date.now() - from };
      for (const w of this.endWaiters.splice(0)) w(this.endInfo);
      for (const w of this.frameWaiters.splice(0)) w();
    });
    if (head.length > 0) this.take(head);
  }

  /** Sends one masked frame (a text frame by default). */
  send(payload: string | Buffer, opcode = 0x1): void {
    this.socket.write(clientFrame(opcode, Buffer.isBuffer(payload) ? payload : Buffer.from(payload)));
  }

  /** Waits until `n` frames have arrived (or the connection ended first). */
  async frameCount(n: number, timeoutMs: number): Promise<TcpFrame[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length < n && !this.endInfo) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${n} frames; got ${this.frames.length}`);
      await withTimeout(new Promise<void>((r) => this.frameWaiters.push(r)), left, `${n} frames`);
    }
    return this.frames.slice(0, n);
  }

  /** Resolves when the TCP connection has ended, without this side ever sending a Close frame. */
  ended(timeoutMs: number): Promise<TcpEnd> {
    if (this.endInfo) return Promise.resolve(this.endInfo);
    return withTimeout(new Promise<TcpEnd>((r) => this.endWaiters.push(r)), timeoutMs, 'the engine to end the TCP connection');
  }

  destroy(): void {
    this.socket.destroy();
  }

  private take(chunk: Buffer): void {
    const { frames, rest } = parseFrames(Buffer.concat([this.buffered, chunk]));
    this.buffered = rest;
    for (const f of frames) {
      if (f.opcode === 0x8 && this.closeFrameAt === undefined) this.closeFrameAt = Date.now();
      this.frames.push(f);
    }
    if (frames.length > 0) for (const w of this.frameWaiters.splice(0)) w();
  }
}

/** Opens `path` of a `ws://` base with a hand-written upgrade request; resolves after the 101. */
export function tcpUpgrade(base: string, path: string, timeoutMs = 2000): Promise<TcpWebSocket> {
  const u = new URL(base.replace(/^ws/, 'http'));
  return withTimeout(
    new Promise<TcpWebSocket>((resolve, reject) => {
      const socket = net.connect({ host: u.hostname, port: Number(u.port) });
      let got: Buffer = Buffer.alloc(0);
      const onData = (chunk: Buffer): void => {
        got = Buffer.concat([got, chunk]);
        const end = got.indexOf('\r\n\r\n');
        if (end < 0) return;
        socket.off('data', onData);
        const status = got.subarray(0, got.indexOf('\r\n')).toString('latin1');
        if (!/^HTTP\/1\.1 101 /.test(status)) {
          socket.destroy();
          reject(new Error(`upgrade refused: ${status}`));
          return;
        }
        resolve(new TcpWebSocket(socket, got.subarray(end + 4)));
      };
      socket.on('data', onData);
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.write(
          `GET ${path} HTTP/1.1\r\nHost: ${u.host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
            `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n\r\n`,
        );
      });
    }),
    timeoutMs,
    `the upgrade of ${path}`,
  );
}
