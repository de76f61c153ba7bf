// One accepted worker WebSocket on `/` (protocol.md §2.4, §3.1, §3.11, §3.13): its identity and
// state, the ordered read loop with its error boundary, and flow control in both directions.
//
// Reading: frames are handled strictly in order; registrations, hooks and reattach are awaited
// inline, invocations are spawned (§2.4 item 2). Every frame is decoded and handled inside the
// loop's try/catch: nothing a frame causes can end the loop or the process (§3.14).
// Writing: every frame goes through the connection's bounded writer queue (outbound.ts). When the
// sends this connection's frames produced have to wait (the writer queue of whoever they go to is
// full), the loop stops taking frames, unread frames pile up to a small bound and then the
// socket is paused: the client that causes traffic nobody reads is slowed by TCP backpressure
// (§8 item 22: "the sender waits"), and the engine's memory stays bounded.
import type { WebSocket, RawData } from 'ws';
import { decodeFrame, isTelemetryFrame } from './decode.js';
import type { InboundFrame, RegistrationFrame } from './frames.js';
import type { ListenerPolicy, Session } from './rbac.js';
import { encodeFrame, WriterQueue, type SendOwner, type Sent } from './outbound.js';
import { newUuid } from './uuid.js';
import { answerPings, trackClose } from './sockets.js';

export interface WorkerMetadata {
  runtime: string;
  version: string | null;
  name: string | undefined;
  description: string | undefined;
  os: string | undefined;
  pid: number | undefined;
  isolation: string | null | undefined;
  telemetry: unknown;
  declaredNamespace: string | undefined;
}

type Dispatch = (conn: WorkerConnection, frame: InboundFrame) => void | Promise<unknown>;
type Unread = { data: RawData; isBinary: boolean; bytes: number } | { end: true };

/** Unread frames held before the socket is paused (a chunk already received may overshoot). */
const INBOX_FRAMES = 64;
const INBOX_BYTES = 1024 * 1024;
/**
 * Frames (and bytes of them) this connection's handlers may have waiting for room at once; beyond
 * either, its read loop waits too, so spawned invocations cannot pile up without bound behind a
 * full queue.
 */
export const MAX_WAITING_SENDS = 64;
export const MAX_WAITING_BYTES = 8 * 1024 * 1024;

function sizeOf(data: RawData): number {
  return Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data.byteLength;
}

export class WorkerConnection implements SendOwner {
  readonly id = newUuid();
  readonly reattachToken = newUuid();
  readonly connectedAt = Date.now();
  session!: Session;
  /** Fixed connection namespace (§3.8); undefined until register or the grace timer. */
  namespace: string | undefined;
  /** §2.4 item 3: registrations queued until the namespace is fixed, then drained in order. */
  readonly buffer: RegistrationFrame[] = [];
  draining = false;
  /** Lost its worker name (§3.12): its registrations are never applied. */
  rejected = false;
  /** Registered in the engine (after auth) and not yet torn down. */
  alive = false;
  /** Cleanup has started (§3.13); leases held by it may be taken over. */
  tearingDown = false;
  readonly leasedNames: string[] = [];
  metadata: WorkerMetadata | undefined;
  cancelGrace: (() => void) | undefined;

  private readonly writer: WriterQueue;
  private readonly inbox: Unread[] = [];
  private inboxBytes = 0;
  private paused = false;
  private reading = false;
  private processing = false;
  private stopped = false;
  private dispatch: Dispatch | undefined;
  private onHandlerError: (e: unknown) => void = () => undefined;
  private ended = false;
  private endQueued = false;
  private endListeners: Array<() => void> = [];
  /** Sends produced by this connection's frames that wait for room, and in which queues. */
  private waitingSends = 0;
  private waitingBytes = 0;
  private readonly waitingIn = new Map<WriterQueue, number>();
  private wakeReader: (() => void) | undefined;

  /**
   * `hooks.frameBytes` hears the size of every frame received and sent (memory.ts), `hooks.warn`
   * the writer queue's refusals, `hooks.telemetry` the telemetry frames read in order (§2.1).
   */
  constructor(
    readonly ws: WebSocket,
    readonly listener: ListenerPolicy,
    readonly ipAddress: string,
    private readonly hooks: { warn(message: string): void; frameBytes(bytes: number): void; telemetry(frame: Buffer): void },
  ) {
    const engineClose = trackClose(ws, () => this.peerGone());
    this.writer = new WriterQueue(ws, () => engineClose(), hooks);
    answerPings(ws);
    // Buffer from the first byte: frames sent before `workerregistered` are read later, in
    // order (§2.4 item 1).
    ws.on('message', (data, isBinary) => {
      if (this.stopped || this.endQueued) return;
      const bytes = sizeOf(data);
      hooks.frameBytes(bytes);
      this.inbox.push({ data, isBinary, bytes });
      this.inboxBytes += bytes;
      if (!this.paused && (this.inbox.length >= INBOX_FRAMES || this.inboxBytes >= INBOX_BYTES)) {
        this.paused = true;
        ws.pause();
      }
      void this.pump();
    });
    // §8 item 40: teardown starts as soon as the peer's Close frame is read.
    ws.on('close', () => {
      this.writer.end();
      this.peerGone();
    });
    ws.on('error', () => this.peerGone());
  }

  get open(): boolean {
    return !this.ended && this.ws.readyState === this.ws.OPEN;
  }

  get name(): string | undefined {
    return this.metadata?.name;
  }

  onEnd(fn: () => void): void {
    if (this.ended) fn();
    else this.endListeners.push(fn);
  }

  /**
   * Serialises and queues one frame (see `Sent`); `owner` is the connection whose frame caused
   * it, which waits when the queue is full. `false` when the connection can no longer carry
   * data or the frame cannot be serialised: never throws.
   */
  send(frame: object, owner?: SendOwner): Sent {
    const text = encodeFrame(frame);
    return text === undefined ? false : this.sendText(text, owner);
  }

  /** Queues an already serialised frame (see `send`). */
  sendText(text: string, owner?: SendOwner): Sent {
    if (this.ws.readyState !== this.ws.OPEN) return false;
    return this.writer.enqueue(text, owner);
  }

  /** Close frame without status code (clients see 1005), after the frames already queued (§3.12, §1.3). */
  closeWithoutCode(): void {
    this.writer.close();
  }

  /** Frames waiting in or for this connection's writer queue. */
  get queuedFrames(): number {
    return this.writer.queued;
  }

  sendsWaiting(delta: 1 | -1, queue: WriterQueue, bytes: number): void {
    this.waitingSends += delta;
    this.waitingBytes += delta * bytes;
    const n = (this.waitingIn.get(queue) ?? 0) + delta;
    if (n > 0) this.waitingIn.set(queue, n);
    else this.waitingIn.delete(queue);
    if (!this.sendsBackedUp) this.wake();
  }

  private get sendsBackedUp(): boolean {
    return this.waitingSends >= MAX_WAITING_SENDS || this.waitingBytes >= MAX_WAITING_BYTES;
  }

  /** Start reading frames (after auth and `workerregistered`); `onError` hears handler failures. */
  startReading(dispatch: Dispatch, onError: (e: unknown) => void): void {
    this.dispatch = dispatch;
    this.onHandlerError = onError;
    this.reading = true;
    void this.pump();
  }

  /** §3.11: an evicted connection's read loop stops at once, discarding unread frames. */
  stopReading(): void {
    this.stopped = true;
    this.dropInbox();
  }

  /**
   * This connection is gone (§3.13): sends it produced that still wait for room elsewhere are
   * dropped, so a departed client leaves nothing behind in other connections' queues.
   */
  releaseWaitingSends(): void {
    for (const queue of [...this.waitingIn.keys()]) queue.dropOwnedBy(this);
  }

  /** Drop the TCP connection without a Close frame (§8 item 31, engine shutdown). */
  terminate(): void {
    this.stopReading();
    this.writer.end();
    this.ws.terminate();
  }

  /**
   * The peer's Close frame (or EOF/error) was read. Frames received before it are still
   * processed in order, then the connection ends (§8 item 40: the read loop ends there).
   */
  private peerGone(): void {
    if (this.ended || this.endQueued) return;
    if (!this.reading || this.stopped) {
      this.markEnded();
      return;
    }
    this.endQueued = true;
    this.inbox.push({ end: true });
    void this.pump();
  }

  private markEnded(): void {
    if (this.ended) return;
    this.ended = true;
    this.stopped = true;
    this.dropInbox();
    for (const fn of this.endListeners.splice(0)) fn();
  }

  private dropInbox(): void {
    this.inbox.length = 0;
    this.inboxBytes = 0;
    this.wake();
  }

  private wake(): void {
    const wake = this.wakeReader;
    this.wakeReader = undefined;
    wake?.();
  }

  private async pump(): Promise<void> {
    if (!this.reading || this.processing || !this.dispatch) return;
    this.processing = true;
    try {
      while (!this.stopped && this.inbox.length > 0) {
        if (this.sendsBackedUp) {
          await new Promise<void>((resolve) => (this.wakeReader = resolve));
          continue;
        }
        const item = this.inbox.shift()!;
        if ('end' in item) {
          this.markEnded();
          break;
        }
        this.inboxBytes -= item.bytes;
        if (this.paused && this.inbox.length === 0) {
          this.paused = false;
          this.ws.resume();
        }
        // The connection's error boundary: nothing a frame causes, in decoding or handling, may
        // end the read loop or the process (§3.14: dropped, connection kept).
        try {
          const frame = this.decode(item.data, item.isBinary);
          if (frame === undefined) continue;
          // A client that is not reading what it is sent starts no new invocation until its
          // writer queue has room: the answers of calls it keeps starting would otherwise wait
          // in memory (their number is not bounded by anything else, §8 item 22).
          if (frame.type === 'invokefunction' && this.writer.full) {
            await this.writer.room();
            if (this.stopped) break;
          }
          await this.dispatch(this, frame);
        } catch (e) {
          this.onHandlerError(e);
        }
      }
    } finally {
      this.processing = false;
    }
  }

  private decode(data: RawData, isBinary: boolean): InboundFrame | undefined {
    const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    if (isBinary && isTelemetryFrame(buf)) {
      this.hooks.telemetry(buf); // ingested, never answered (§2.1)
      return undefined;
    }
    return decodeFrame(buf.toString('utf8'));
  }
}
