// Data channels (protocol.md §4, §8 items 13, 33–37): a message-count queue between one writer
// socket and one reader socket, text and binary frames forwarded unchanged and in order.
import type { WebSocket, RawData } from 'ws';
import type { Timers } from './timers.js';
import { newUuid } from './uuid.js';
import { trackClose } from './sockets.js';

export const CHANNEL_DEFAULT_BUFFER = 64;
export const CHANNEL_MAX_BUFFER = 1024;

interface QueuedFrame {
  data: Buffer;
  isBinary: boolean;
}

export interface Channel {
  id: string;
  key: string;
  capacity: number;
  createdAt: number;
  queue: QueuedFrame[];
  readerTaken: boolean;
  writerTaken: boolean;
  reader: WebSocket | undefined;
  writer: WebSocket | undefined;
  writerDone: boolean;
  readerGone: boolean;
  finished: boolean;
  pumping: boolean;
  writerPaused: boolean;
}

export interface ChannelRef {
  channel_id: string;
  access_key: string;
  direction: 'read' | 'write';
}

/** Clamp rules of §4.1 / §8 item 13 for an already-validated non-negative integer. */
export function clampBufferSize(n: number | undefined): number {
  if (n === undefined) return CHANNEL_DEFAULT_BUFFER;
  if (n === 0) return 1;
  return Math.min(n, CHANNEL_MAX_BUFFER);
}

function toBuffer(data: RawData): Buffer {
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.isBuffer(data) ? data : Buffer.from(data);
}

/**
 * Close frame without status code (clients see 1005), then the socket is dropped (§4.3,
 * §8 item 34). A paused reader is resumed so the peer's answering Close can complete the
 * handshake; a peer that never answers is dropped after a short wait.
 */
function closeAndDrop(ws: WebSocket, timers: Timers): void {
  if (ws.readyState === ws.OPEN) ws.close();
  if (ws.isPaused) ws.resume();
  const cancel = timers.after(2000, () => ws.terminate());
  ws.once('close', cancel);
}

export class ChannelManager {
  private readonly channels = new Map<string, Channel>();

  constructor(private readonly timers: Timers) {}

  create(bufferSize: number | undefined): { writer: ChannelRef; reader: ChannelRef } {
    const id = newUuid();
    const key = newUuid();
    this.channels.set(id, {
      id,
      key,
      capacity: clampBufferSize(bufferSize),
      createdAt: Date.now(),
      queue: [],
      readerTaken: false,
      writerTaken: false,
      reader: undefined,
      writer: undefined,
      writerDone: false,
      readerGone: false,
      finished: false,
      pumping: false,
      writerPaused: false,
    });
    return {
      writer: { channel_id: id, access_key: key, direction: 'write' },
      reader: { channel_id: id, access_key: key, direction: 'read' },
    };
  }

  /** Pre-upgrade lookup: unknown id or wrong key → undefined (HTTP 404 `Channel not found`). */
  lookup(id: string, key: string): Channel | undefined {
    const ch = this.channels.get(id);
    return ch && ch.key === key ? ch : undefined;
  }

  /** A socket upgraded on `/ws/channels/{id}`. */
  attach(ch: Channel, ws: WebSocket, dir: 'read' | 'write'): void {
    if (dir === 'read' ? ch.readerTaken : ch.writerTaken) {
      // One reader and one writer; finished channels are kept (§8 items 34, 36).
      closeAndDrop(ws, this.timers);
      return;
    }
    if (dir === 'write') this.attachWriter(ch, ws);
    else this.attachReader(ch, ws);
  }

  private attachWriter(ch: Channel, ws: WebSocket): void {
    ch.writerTaken = true;
    ch.writer = ws;
    ws.on('message', (data, isBinary) => {
      if (ch.writerDone) return;
      ch.queue.push({ data: toBuffer(data), isBinary });
      // §4.4: queue full → stop reading the writer socket (TCP backpressure).
      if (ch.queue.length >= ch.capacity && !ch.writerPaused) {
        ch.writerPaused = true;
        ws.pause();
      }
      void this.pump(ch);
    });
    // The writer's Close is echoed by `ws` with the writer's code and reason (§8 item 35);
    // end of stream is the end of the writer socket (Close, error or EOF).
    const finish = (): void => {
      if (ch.writerDone) return;
      ch.writerDone = true;
      void this.pump(ch);
    };
    trackClose(ws, finish);
    ws.on('close', finish);
    ws.on('error', finish);
  }

  private attachReader(ch: Channel, ws: WebSocket): void {
    ch.readerTaken = true;
    ch.reader = ws;
    // §8 item 37: frames from the reader are never read (no pong, its Close unanswered): the
    // socket is paused, so a departed reader is noticed only when a forward fails (§4.4).
    ws.pause();
    const gone = (): void => {
      ch.readerGone = true;
    };
    ws.on('close', gone);
    ws.on('error', gone);
    void this.pump(ch);
  }

  private async pump(ch: Channel): Promise<void> {
    if (ch.pumping || ch.finished) return;
    ch.pumping = true;
    try {
      while (ch.reader && !ch.finished) {
        const reader = ch.reader;
        const item = ch.queue[0];
        if (!item) break;
        if (ch.readerGone || reader.readyState !== reader.OPEN) {
          // §4.4: the forward fails → drop the writer without a Close frame.
          this.abort(ch);
          return;
        }
        const ok = await new Promise<boolean>((resolve) => {
          reader.send(item.data, { binary: item.isBinary }, (err) => resolve(!err));
        });
        if (!ok) {
          this.abort(ch);
          return;
        }
        ch.queue.shift();
        if (ch.writerPaused && ch.queue.length < ch.capacity) {
          ch.writerPaused = false;
          ch.writer?.resume();
        }
      }
      if (ch.reader && ch.writerDone && ch.queue.length === 0 && !ch.finished) {
        // §4.3: end of stream → Close with no status code to the reader.
        ch.finished = true;
        closeAndDrop(ch.reader, this.timers);
      }
    } finally {
      ch.pumping = false;
    }
    // Frames may have arrived while the last send was in flight.
    if (!ch.finished && ch.reader && (ch.queue.length > 0 || ch.writerDone)) void this.pump(ch);
  }

  private abort(ch: Channel): void {
    ch.finished = true;
    ch.queue.length = 0;
    ch.writer?.terminate();
    ch.reader?.terminate();
  }

  /** §4.5: remove channels older than `ttlMs` on which one side never connected. */
  sweep(ttlMs: number): void {
    const now = Date.now();
    for (const ch of [...this.channels.values()]) {
      if (now - ch.createdAt < ttlMs) continue;
      if (ch.readerTaken && ch.writerTaken) continue;
      this.channels.delete(ch.id);
      ch.finished = true;
      if (ch.reader) closeAndDrop(ch.reader, this.timers);
      ch.writer?.terminate();
    }
  }

  /** Engine shutdown: drop every channel socket. */
  closeAll(): void {
    for (const ch of this.channels.values()) {
      ch.reader?.terminate();
      ch.writer?.terminate();
    }
    this.channels.clear();
  }
}
