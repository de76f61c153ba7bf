// The bounded writer queue of one worker connection (protocol.md §2.4 item 5, §8 item 22).
//
// The real engine feeds each connection's writer task through a queue of 64 frames: a sender
// that finds it full waits, frames are never dropped, and they leave in the order they were
// produced. Node has no writer task to block, and `ws` would buffer without bound for a peer
// that stops reading, so the queue is counted on the socket instead: a frame occupies the
// queue from the moment it is accepted until `ws` reports it written to the kernel (its send
// callback). A sender that finds no room gets a promise and waits, in FIFO order; whoever
// produced the frame (its owner, a connection's read loop or a task it spawned) is told, so
// that connection can stop reading (connection.ts): that is how "the sender waits" becomes TCP
// backpressure on the client that caused the traffic, with bounded memory in between. Also the
// text of an outbound frame (`encodeFrame`).
import type { WebSocket } from 'ws';

/** §2.4 item 5: frames a connection's writer queue holds. */
export const WRITER_QUEUE_FRAMES = 64;
/**
 * Also full above this many bytes (a frame is always admitted into an empty queue). The real
 * queue counts frames only; 64 frames of 16 MiB would be 1 GiB of a test process's memory.
 */
export const WRITER_QUEUE_BYTES = 8 * 1024 * 1024;
/**
 * Engine-initiated frames (trigger fires, cleanup notices) have no read loop to stall. Beyond
 * this many waiting for one connection, further ones are refused (`false`) and logged; the real
 * engine keeps each in a task without bound.
 */
export const MAX_WAITING_UNOWNED = 1024;

/** The party whose frame handling produced a send; it is told when its sends wait for room. */
export interface SendOwner {
  /** One of its frames, of `bytes`, started (+1) or stopped (-1) waiting for room in `queue`. */
  sendsWaiting(delta: 1 | -1, queue: WriterQueue, bytes: number): void;
}

/** `true`: queued now; a promise: queued later (`true`) or never (`false`: the connection ended). */
export type Sent = boolean | Promise<boolean>;

interface Waiting {
  /** `undefined` marks the Close frame (§3.12, §1.3). */
  text: string | undefined;
  owner: SendOwner | undefined;
  settle: (queued: boolean) => void;
}

export class WriterQueue {
  private inFlight = 0;
  private inFlightBytes = 0;
  private readonly waiting: Waiting[] = [];
  private unownedWaiting = 0;
  private accepting = true;
  private ended = false;
  private roomWaiters: Array<() => void> = [];

  constructor(
    private readonly ws: WebSocket,
    private readonly sendClose: () => void,
    private readonly hooks: { warn(message: string): void; frameBytes(bytes: number): void },
  ) {}

  /** Queues one serialised frame (see `Sent`). */
  enqueue(text: string, owner: SendOwner | undefined): Sent {
    if (!this.accepting) return false;
    if (this.waiting.length === 0 && this.hasRoom(text.length)) {
      this.write(text);
      return true;
    }
    if (owner === undefined) {
      if (this.unownedWaiting >= MAX_WAITING_UNOWNED) {
        this.hooks.warn(`an engine-initiated frame was refused: ${MAX_WAITING_UNOWNED} already wait for a worker that is not reading`);
        return false;
      }
      this.unownedWaiting++;
    }
    return new Promise<boolean>((settle) => {
      this.waiting.push({ text, owner, settle });
      owner?.sendsWaiting(1, this, text.length);
    });
  }

  /** The Close frame, behind everything already queued; nothing is accepted after it (§8 item 6). */
  close(): void {
    if (!this.accepting) return;
    this.accepting = false;
    if (this.waiting.length === 0) this.sendClose();
    else this.waiting.push({ text: undefined, owner: undefined, settle: () => undefined });
  }

  /** The socket is gone: waiting senders learn `false` and their frames are released. */
  end(): void {
    this.accepting = false;
    this.ended = true;
    this.release(() => true);
    this.wakeRoomWaiters();
  }

  /**
   * The owner's connection ended: the frames it was still waiting to queue are dropped (nobody
   * alive waits for them) instead of being held for a peer that may never read again.
   */
  dropOwnedBy(owner: SendOwner): void {
    this.release((w) => w.owner === owner);
    this.flush();
  }

  get queued(): number {
    return this.inFlight + this.waiting.length;
  }

  /** No room for another frame now: a frame queued now would wait. */
  get full(): boolean {
    return this.waiting.length > 0 || !this.hasRoom(1);
  }

  /** Resolves once a frame would be queued at once again, or the connection ended. */
  room(): Promise<void> {
    if (!this.full || this.ended) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  private release(which: (w: Waiting) => boolean): void {
    const kept: Waiting[] = [];
    for (const w of this.waiting.splice(0)) {
      if (!which(w)) {
        kept.push(w);
        continue;
      }
      if (w.owner) w.owner.sendsWaiting(-1, this, w.text?.length ?? 0);
      else if (w.text !== undefined) this.unownedWaiting--;
      w.settle(false);
    }
    this.waiting.push(...kept);
  }

  private hasRoom(bytes: number): boolean {
    return this.inFlight < WRITER_QUEUE_FRAMES && (this.inFlight === 0 || this.inFlightBytes + bytes <= WRITER_QUEUE_BYTES);
  }

  private write(text: string): void {
    const bytes = text.length;
    this.hooks.frameBytes(bytes);
    this.inFlight++;
    this.inFlightBytes += bytes;
    // Called once the frame reached the kernel, or with an error once the socket is gone.
    this.ws.send(text, () => {
      this.inFlight--;
      this.inFlightBytes -= bytes;
      this.flush();
    });
  }

  private wakeRoomWaiters(): void {
    if (this.roomWaiters.length === 0 || (this.full && !this.ended)) return;
    for (const wake of this.roomWaiters.splice(0)) wake();
  }

  private flush(): void {
    this.drainWaiting();
    this.wakeRoomWaiters();
  }

  private drainWaiting(): void {
    while (!this.ended && this.waiting.length > 0) {
      const head = this.waiting[0]!;
      if (head.text === undefined) {
        this.waiting.shift();
        this.sendClose();
        return;
      }
      if (!this.hasRoom(head.text.length)) return;
      this.waiting.shift();
      if (head.owner) head.owner.sendsWaiting(-1, this, head.text.length);
      else this.unownedWaiting--;
      this.write(head.text);
      head.settle(true);
    }
  }
}

/** JSON text of an outbound frame; `undefined` when it cannot be serialised (never throws). */
export function encodeFrame(frame: object): string | undefined {
  try {
    return JSON.stringify(frame);
  } catch {
    return undefined;
  }
}
