/**
 * Options shared by `ChannelReader` and `ChannelWriter`, with their documented defaults.
 */
import type { Platform } from '../platform.js';

/** @default 10000 — same as the worker's `handshakeTimeoutMs`. */
export const DEFAULT_CHANNEL_OPEN_TIMEOUT_MS = 10_000;

/**
 * Reader: bytes queued in the SDK before the socket is paused (where the runtime can pause).
 * 1 MiB = 16 full frames: enough to keep a consumer busy while the socket refills, small enough
 * that a thousand idle readers stay near 1 GiB in the worst case.
 * @default 1048576
 */
export const DEFAULT_READER_HIGH_WATER_MARK = 1024 * 1024;

/**
 * Writer: bytes the stream queues before `writer.ready` waits, and bytes the socket may hold
 * unsent (`bufferedAmount`) before `write()` waits.
 * @default 1048576
 */
export const DEFAULT_WRITER_HIGH_WATER_MARK = 1024 * 1024;

/**
 * Writer, where `bufferedAmount()` is undefined (workerd): the send rate cap in bytes per second.
 * Nothing tells the writer how fast the network drains there, so it paces itself with a token
 * bucket (burst = `highWaterMark`). 32 MiB/s is about a quarter of what one channel carries
 * through the engine on loopback; raise it for throughput, or set it near the reader's pace to
 * bound the runtime's hidden send queue (see `ChannelWriter`).
 * @default 33554432
 */
export const DEFAULT_UNMETERED_BYTES_PER_SECOND = 32 * 1024 * 1024;

/** How often a writer re-reads `bufferedAmount()` while waiting for it to fall. @default 2 */
export const DEFAULT_DRAIN_POLL_MS = 2;

/**
 * How long `ChannelWriter.close()` waits for the engine to echo its Close (§4.3) after the last
 * byte left this process; the echo is late when the reader is slow or absent. @default 10000
 */
export const DEFAULT_CLOSE_TIMEOUT_MS = 10_000;

export interface ChannelOptions {
  platform: Platform;
  /** Time allowed for the channel socket to open. @default {@link DEFAULT_CHANNEL_OPEN_TIMEOUT_MS} */
  openTimeoutMs?: number;
  /**
   * Reader: queue size in bytes at which the socket is paused; writer: stream and socket
   * high-water mark in bytes.
   * @default 1 MiB
   */
  highWaterMark?: number;
  /**
   * Writer, only where the transport's `bufferedAmount()` is undefined (workerd): send rate cap
   * in bytes per second. @default {@link DEFAULT_UNMETERED_BYTES_PER_SECOND}
   */
  unmeteredBytesPerSecond?: number;
  /**
   * Writer: how long `close()` waits for the engine to acknowledge the Close once every byte has
   * left this process. @default {@link DEFAULT_CLOSE_TIMEOUT_MS}
   */
  closeTimeoutMs?: number;
}
