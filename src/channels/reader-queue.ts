/**
 * A channel reader's inbound frames not yet delivered: binary chunks, and the text frames kept
 * behind them for ordering. Past `highWaterMark` bytes the socket is paused where the transport
 * can pause (receive backpressure, §4.4), and resumed once half of that has been read. Part of
 * the reader's lazily loaded machinery (reader-core.ts).
 */
import type { Transport } from '../platform.js';

type Entry = Uint8Array | string;

export class FrameQueue {
  readonly #highWaterMark: number;
  #entries: Entry[] = [];
  #head = 0;
  #bytes = 0;
  #paused = false;

  constructor(highWaterMark: number) {
    this.#highWaterMark = highWaterMark;
  }

  get length(): number {
    return this.#entries.length - this.#head;
  }

  peek(): Entry | undefined {
    return this.#head < this.#entries.length ? this.#entries[this.#head] : undefined;
  }

  push(entry: Entry, transport: Transport | undefined): void {
    this.#entries.push(entry);
    this.#bytes += size(entry);
    if (!this.#paused && this.#bytes >= this.#highWaterMark && transport?.pause) {
      this.#paused = true;
      transport.pause();
    }
  }

  /** The next frame; `transport` (the socket still open, if any) is resumed once the queue is low. */
  shift(transport: Transport | undefined): Entry | undefined {
    if (this.#head >= this.#entries.length) return undefined;
    const entry = this.#entries[this.#head];
    this.#entries[this.#head] = undefined as unknown as Entry;
    this.#head++;
    // Compact now and then instead of Array#shift on every frame.
    if (this.#head > 64 && this.#head * 2 > this.#entries.length) {
      this.#entries = this.#entries.slice(this.#head);
      this.#head = 0;
    }
    if (entry === undefined) return undefined;
    this.#bytes -= size(entry);
    if (this.#paused && this.#bytes <= this.#highWaterMark / 2) {
      this.#paused = false;
      transport?.resume?.();
    }
    return entry;
  }

  /** Empties the queue; returns the text frames it held, in order. */
  clear(): string[] {
    const texts = this.#entries.slice(this.#head).filter((entry): entry is string => typeof entry === 'string');
    this.#entries = [];
    this.#head = 0;
    this.#bytes = 0;
    return texts;
  }
}

function size(entry: Entry): number {
  return typeof entry === 'string' ? entry.length : entry.byteLength;
}
