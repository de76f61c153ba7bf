// One accepted worker WebSocket on `/` (protocol.md §2.4, §3.1, §3.11, §3.13).
// Frames are read strictly in order: registrations, hooks and reattach are awaited inline
// while invocations are spawned by the dispatcher.
import type { WebSocket, RawData } from 'ws';
import { decodeFrame, isTelemetryFrame, type InboundFrame } from './frames.js';
import type { Session } from './rbac.js';
import type { ListenerRuntime } from './listeners.js';
import { newUuid } from './uuid.js';
import { trackClose } from './sockets.js';

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

type Dispatch = (conn: WorkerConnection, frame: InboundFrame) => void | Promise<void>;

export class WorkerConnection {
  readonly id = newUuid();
  readonly reattachToken = newUuid();
  readonly connectedAt = Date.now();
  session!: Session;
  /** Fixed connection namespace (§3.8); undefined until register or the grace timer. */
  namespace: string | undefined;
  /** §2.4 item 3: registrations queued until the namespace is fixed, then drained in order. */
  readonly buffer: InboundFrame[] = [];
  draining = false;
  /** Lost its worker name (§3.12): its registrations are never applied. */
  rejected = false;
  /** Registered in the engine (after auth) and not yet torn down. */
  alive = false;
  /** Cleanup has started (§3.13); leases held by it may be taken over. */
  tearingDown = false;
  readonly leasedNames: string[] = [];
  metadata: WorkerMetadata | undefined;
  graceTimer: NodeJS.Timeout | undefined;

  /** Unread frames; `end` marks where the peer's Close (or EOF) was read. */
  private readonly inbox: Array<{ data: RawData; isBinary: boolean } | { end: true }> = [];
  private reading = false;
  private processing = false;
  private stopped = false;
  private dispatch: Dispatch | undefined;
  private onHandlerError: (e: unknown) => void = () => undefined;
  private readonly engineClose: (code?: number) => void;
  private ended = false;
  private endQueued = false;
  private endListeners: Array<() => void> = [];

  constructor(
    readonly ws: WebSocket,
    readonly listener: ListenerRuntime,
    readonly ipAddress: string,
  ) {
    // Buffer everything from the first byte: frames sent before `workerregistered` are read
    // later, in order (§2.4 item 1).
    ws.on('message', (data, isBinary) => {
      if (this.stopped || this.endQueued) return;
      this.inbox.push({ data, isBinary });
      void this.pump();
    });
    // §8 item 40: teardown starts as soon as the peer's Close frame is read.
    this.engineClose = trackClose(ws, () => this.peerGone());
    ws.on('close', () => this.peerGone());
    ws.on('error', () => this.peerGone());
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

  private markEnded(): void {
    if (this.ended) return;
    this.ended = true;
    this.stopped = true;
    this.inbox.length = 0;
    for (const fn of this.endListeners.splice(0)) fn();
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
    this.inbox.length = 0;
  }

  private async pump(): Promise<void> {
    if (!this.reading || this.processing || !this.dispatch) return;
    this.processing = true;
    try {
      while (!this.stopped && this.inbox.length > 0) {
        const item = this.inbox.shift()!;
        if ('end' in item) {
          this.markEnded();
          break;
        }
        // The connection's error boundary: nothing a frame causes, in decoding or handling,
        // may end the read loop or the process (§3.14: dropped, connection kept).
        try {
          const frame = this.decode(item.data, item.isBinary);
          if (frame === undefined) continue; // §3.14: dropped silently, connection kept
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
    const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    if (isBinary && isTelemetryFrame(buf)) return undefined; // OTLP ingest: never answered (§2.1)
    return decodeFrame(buf.toString('utf8'));
  }

  /**
   * Sends one JSON frame; false when the socket can no longer carry data or the frame cannot
   * be serialised (never throws: a frame built from client data must not end the engine).
   */
  send(frame: object): boolean {
    if (this.ws.readyState !== this.ws.OPEN) return false;
    let text: string;
    try {
      text = JSON.stringify(frame);
    } catch {
      return false;
    }
    this.ws.send(text);
    return true;
  }

  /** Close frame without status code (clients see 1005), §3.12 / §1.3. */
  closeWithoutCode(): void {
    this.engineClose();
  }

  /** Drop the TCP connection without a Close frame (§8 item 31, engine shutdown). */
  terminate(): void {
    this.stopReading();
    this.ws.terminate();
  }
}
