/**
 * Channel peers going away, as reusable runs: channel-peers.test.ts asserts them with small sizes,
 * measure.ts repeats them with 1 GiB streams and reports hangs and unreported truncations.
 */
import type { III } from '../../platform/node/index.js';
import { within } from '../node/helpers.js';
import { spawnChild, ticksBetween, type Child } from './children.js';
import { MiB, codeOf } from './contract.js';

export const PEER = 'test/faults/children/channel-peer.ts';
/** Contract: `write()` rejects within 1 s. Tests allow 3 s (a loaded 2-core machine); measure.ts reports the time. */
export const WRITE_SETTLE_BOUND_MS = 3000;
/** Ticks are printed every 50 ms; in 1.5 s a responsive process prints ~30. */
export const TICK_WINDOW_MS = 1500;

export interface WriterOutcome {
  /** ms from the reader going away to the child's WRITE_REJECTED line, or undefined (no settle). */
  settleMs: number | undefined;
  code: string | undefined;
  ticks: number;
  pong: boolean;
  line: string | undefined;
}

/** The writer child's verdict after the reader side went away at `goneAt`. */
export async function writerOutcome(child: Child, goneAt: number, boundMs = WRITE_SETTLE_BOUND_MS): Promise<WriterOutcome> {
  const rejected = await child.waitLine(/^(WRITE_REJECTED|DONE)/, boundMs);
  const windowEnd = goneAt + TICK_WINDOW_MS;
  if (Date.now() < windowEnd) await new Promise((r) => setTimeout(r, windowEnd - Date.now()));
  const ticks = ticksBetween(child, goneAt, windowEnd);
  const mark = child.lines.length;
  child.send('PING');
  const pong = await child.waitLine(/^PONG$/, 2000, mark);
  let code: string | undefined;
  if (rejected?.text.startsWith('WRITE_REJECTED ')) code = (JSON.parse(rejected.text.slice(15)) as { code: string | null }).code ?? undefined;
  return { settleMs: rejected ? rejected.at - goneAt : undefined, code, ticks, pong: pong !== undefined, line: rejected?.text };
}

/** Reads `stream` to its end (pausing `perChunkMs` after each chunk: a slow consumer); the outcome instead of a throw. */
export async function drain(stream: ReadableStream<Uint8Array>, ms: number, perChunkMs = 0): Promise<{ bytes: number; error?: unknown; ended: boolean }> {
  const r = stream.getReader();
  let bytes = 0;
  const reading = (async () => {
    for (;;) {
      const { done, value } = await r.read();
      if (done) return;
      bytes += value.byteLength;
      if (perChunkMs > 0) await new Promise((resolve) => setTimeout(resolve, perChunkMs));
    }
  })();
  try {
    await within(reading, ms, 'the reader to end or error');
    return { bytes, ended: true };
  } catch (error) {
    if (error instanceof Error && /did not settle within/.test(error.message)) {
      r.cancel().catch(() => undefined);
      return { bytes, ended: false, error };
    }
    return { bytes, ended: true, error };
  }
}

export interface WriterKilledResult {
  /** `error`: the reader errored (the truncation was reported); `clean`: it ended as if complete; `hang`. */
  outcome: 'error' | 'clean' | 'hang';
  code: string | undefined;
  message: string | undefined;
  bytes: number;
  /** ms from the kill to the reader's end or error. */
  ms: number | undefined;
}

/** A writer process streams `totalBytes`; it is SIGKILLed once the reader (here) has read `killAfterBytes`. */
export async function writerKilled(iii: III, engineUrl: string, totalBytes: number, killAfterBytes: number, settleBoundMs = 10_000): Promise<WriterKilledResult> {
  const channel = await within(iii.createChannel(8), 5000, 'createChannel');
  const child = spawnChild(PEER, ['write', engineUrl, JSON.stringify(channel.writerRef), JSON.stringify({ totalBytes, chunkBytes: MiB })]);
  try {
    const r = channel.reader.readable.getReader();
    let bytes = 0;
    while (bytes < killAfterBytes) {
      const { done, value } = await within(r.read(), 15_000, 'reading the stream');
      if (done) break;
      bytes += value.byteLength;
    }
    await child.kill('SIGKILL');
    const killedAt = Date.now();
    r.releaseLock();
    const rest = await drain(channel.reader.readable, settleBoundMs);
    const ms = rest.ended ? Date.now() - killedAt : undefined;
    const total = bytes + rest.bytes;
    if (!rest.ended) return { outcome: 'hang', code: undefined, message: undefined, bytes: total, ms };
    if (rest.error === undefined) return { outcome: 'clean', code: undefined, message: undefined, bytes: total, ms };
    return { outcome: 'error', code: codeOf(rest.error), message: String((rest.error as Error)?.message), bytes: total, ms };
  } finally {
    await child.kill();
  }
}

export interface ReaderKilledResult extends WriterOutcome {
  /** Bytes the reader process had reported when it was killed. */
  readBytes: number;
}

/** A writer process streams `totalBytes` to a reader process, which is SIGKILLed after `killAfterBytes`. */
export async function readerKilled(iii: III, engineUrl: string, totalBytes: number, killAfterBytes: number, boundMs = WRITE_SETTLE_BOUND_MS): Promise<ReaderKilledResult> {
  const channel = await within(iii.createChannel(8), 5000, 'createChannel');
  const reader = spawnChild(PEER, ['read-all', engineUrl, JSON.stringify(channel.readerRef)]);
  const writer = spawnChild(PEER, ['write', engineUrl, JSON.stringify(channel.writerRef), JSON.stringify({ totalBytes, chunkBytes: MiB })]);
  try {
    let readBytes = 0;
    const deadline = Date.now() + 120_000;
    while (readBytes < killAfterBytes && Date.now() < deadline) {
      const line = await reader.waitLine(/^(READ|END|READ_ERROR) /, 15_000, reader.lines.length);
      if (!line || !line.text.startsWith('READ ')) break;
      readBytes = Number(line.text.slice(5));
    }
    await reader.kill('SIGKILL');
    const goneAt = Date.now();
    return { ...(await writerOutcome(writer, goneAt, boundMs)), readBytes };
  } finally {
    await Promise.all([reader.kill(), writer.kill()]);
  }
}
