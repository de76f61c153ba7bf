// Flow control of channels (protocol.md §4.4) against the reference engine
// or the external one of III_TEST_ENGINE_URL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodePlatform } from '../../platform/node/platform.js';
import { ChannelAbortedError, ChannelReader, ChannelWriter } from '../../src/channels/index.js';
import type { Platform, Transport } from '../../src/platform.js';
import { ChannelFactory, channelEngine, type ChannelEngine, WAIT_MS, patternBytes, sha256Hex, within } from './helpers.js';

const MiB = 1024 * 1024;
const platform = createNodePlatform();
let engine: ChannelEngine;
let factory: ChannelFactory;

beforeAll(async () => {
  engine = await channelEngine();
  factory = await ChannelFactory.connect(engine.url);
});

afterAll(async () => {
  factory?.close();
  await engine?.close();
});

/** Counts bytes the socket delivered to the reader, and pause() calls; can hide pause(). */
function observedPlatform(hidePause: boolean) {
  const seen = { inbound: 0, pauses: 0 };
  const observed: Platform = {
    ...platform,
    connect: (url, options, handlers) => {
      const inner = platform.connect(url, options, {
        ...handlers,
        onMessage: (data) => {
          if (typeof data !== 'string') seen.inbound += data.byteLength;
          handlers.onMessage(data);
        },
      });
      return {
        send: (d) => inner.send(d),
        close: (c, r) => inner.close(c, r),
        bufferedAmount: () => inner.bufferedAmount(),
        ...(hidePause
          ? {}
          : {
              pause: () => {
                seen.pauses++;
                inner.pause?.();
              },
              resume: () => inner.resume?.(),
            }),
      };
    },
  };
  return { observed, seen };
}

/** Streams `total` bytes to a consumer that sleeps 1 ms per chunk; returns the largest backlog. */
async function slowRead(hidePause: boolean, total: number): Promise<{ maxBacklog: number; pauses: number; ok: boolean }> {
  const pair = await factory.create(16);
  const { observed, seen } = observedPlatform(hidePause);
  const reader = new ChannelReader(engine.url, pair.reader, { platform: observed, highWaterMark: 512 * 1024 });
  const writer = new ChannelWriter(engine.url, pair.writer, { platform });
  const block = patternBytes(MiB, 4);
  const writing = (async () => {
    const w = writer.writable.getWriter();
    for (let sent = 0; sent < total; sent += MiB) await w.write(block);
    await w.close();
  })();
  let consumed = 0;
  let maxBacklog = 0;
  const r = reader.readable.getReader();
  for (;;) {
    const { done, value } = await r.read();
    if (done) break;
    consumed += value.byteLength;
    maxBacklog = Math.max(maxBacklog, seen.inbound - consumed);
    await new Promise((res) => setTimeout(res, 1));
  }
  await writing;
  return { maxBacklog, pauses: seen.pauses, ok: consumed === total };
}

describe('channel flow control', () => {
  it('pauses the socket so a slow reader holds about highWaterMark bytes, not the stream', async () => {
    const paused = await within(slowRead(false, 12 * MiB), 15_000, 'slow read with pause');
    expect(paused.ok).toBe(true);
    expect(paused.pauses).toBeGreaterThan(0);
    // 512 KiB high-water mark, plus what one socket read can still hold when pause() lands.
    expect(paused.maxBacklog).toBeLessThanOrEqual(512 * 1024 + 512 * 1024);

    // The same measure without pause() (Chromium/Deno/workerd situation) sees the backlog grow,
    // which shows the assertion above can fail.
    const unpaused = await within(slowRead(true, 12 * MiB), 15_000, 'slow read without pause');
    expect(unpaused.ok).toBe(true);
    expect(unpaused.maxBacklog).toBeGreaterThan(4 * MiB);
  }, 30_000);

  it('makes write() wait while nobody reads, then delivers everything once a reader comes', async () => {
    const pair = await factory.create(4);
    const writer = new ChannelWriter(engine.url, pair.writer, { platform, highWaterMark: 256 * 1024 });
    const w = writer.writable.getWriter();
    const total = 64 * MiB;
    const block = patternBytes(MiB, 6);
    let written = 0;
    const writing = (async () => {
      for (let i = 0; i < total / MiB; i++) {
        await w.write(block);
        written += MiB;
      }
      await w.close();
    })();
    // Let the engine queue (4 frames) and the loopback socket buffers fill.
    let before = -1;
    for (let i = 0; i < 50 && written !== before; i++) {
      before = written;
      await new Promise((res) => setTimeout(res, 100));
    }
    expect(written).toBe(before); // stalled
    expect(written).toBeLessThan(total);
    const reader = new ChannelReader(engine.url, pair.reader, { platform });
    const all = await within(reader.readAll(), 20_000, 'readAll');
    await within(writing, WAIT_MS, 'writer finished');
    expect(all.byteLength).toBe(total);
    const expected = new Uint8Array(total);
    for (let at = 0; at < total; at += MiB) expected.set(block, at);
    expect(await sha256Hex(all)).toBe(await sha256Hex(expected));
  }, 30_000);

  it('aborts a write that is waiting under backpressure, and the reader still sees the abort', async () => {
    const pair = await factory.create(2);
    // abort() waits (at most closeTimeoutMs) for its frame to leave the process; nobody reads
    // yet, so here it cannot, and abort() resolves at that bound.
    const writer = new ChannelWriter(engine.url, pair.writer, { platform, highWaterMark: 128 * 1024, closeTimeoutMs: 500 });
    const w = writer.writable.getWriter();
    const block = patternBytes(MiB, 8);
    let settled = 0;
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 32; i++) writes.push(w.write(block).then(() => settled++, () => settled++));
    await new Promise((res) => setTimeout(res, 300));
    expect(settled).toBeLessThan(32); // some write is stuck: nobody reads
    await within(w.abort(new Error('give up')), WAIT_MS, 'abort under backpressure');
    await within(Promise.all(writes), WAIT_MS, 'every write settles');
    const reader = new ChannelReader(engine.url, pair.reader, { platform });
    const outcome = await within(reader.readAll().catch((e: unknown) => e), 10_000, 'reader outcome');
    expect(outcome).toBeInstanceOf(ChannelAbortedError);
    expect((outcome as ChannelAbortedError).reason).toBe('give up');
  }, 20_000);

  // Node reports write completions only where someone waits for the drain: the callback costs a
  // process.nextTick per frame, which every call of a session would pay for nothing.
  it('on Node, only a channel writer socket waits on write completions; the reader and session sockets do not', async () => {
    const asked: Array<boolean | undefined> = [];
    const recording: Platform = {
      ...platform,
      connect: (url, options, handlers) => {
        asked.push(options.drainWaits);
        return platform.connect(url, options, handlers);
      },
    };
    const pair = await factory.create();
    const writer = new ChannelWriter(engine.url, pair.writer, { platform: recording });
    const reader = new ChannelReader(engine.url, pair.reader, { platform: recording });
    const bytes = patternBytes(3 * MiB);
    const read = reader.readAll();
    const w = writer.writable.getWriter();
    await w.write(bytes);
    await w.close();
    expect(await sha256Hex(await within(read, WAIT_MS, 'read'))).toBe(await sha256Hex(bytes));
    expect(asked.sort()).toEqual([false, true]);

    // What each socket offers: a plain transport (no drainWaits) has no whenBelow, so nobody can
    // wait on completions it never reports; a drain-waiting one is woken by them.
    const opened = (drainWaits: boolean) =>
      new Promise<Transport>((resolve, reject) => {
        const t: Transport = platform.connect(engine.url, { drainWaits }, {
          onOpen: () => resolve(t),
          onMessage: () => undefined,
          onClose: (code) => reject(new Error(`closed ${code}`)),
          onError: () => undefined,
        });
      });
    const plain = await within(opened(false), WAIT_MS, 'plain socket');
    expect(plain.whenBelow).toBeUndefined();
    plain.close();
    const waiting = await within(opened(true), WAIT_MS, 'drain-waiting socket');
    // Pings the engine answers (§3.10), 2 MiB in all: more than a loopback socket takes at once.
    const ping = JSON.stringify({ type: 'ping', pad: 'x'.repeat(64 * 1024) });
    for (let i = 0; i < 32; i++) waiting.send(ping);
    await within(waiting.whenBelow!(0), WAIT_MS, 'drained below 0 bytes');
    expect(waiting.bufferedAmount()).toBe(0);
    waiting.close();
  });
});
