// ChannelReader / ChannelWriter against the reference engine, or the external one of
// III_TEST_ENGINE_URL (protocol.md §4), Node platform.
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngine } from '../engine/index.js';
import { AUTH_FUNCTION_ID, externalEngine, externalRbacUrl, referenceOnly } from '../external-engine.js';
import { createNodePlatform } from '../../platform/node/platform.js';
import { ChannelAbortedError, ChannelReader, ChannelWriter, MAX_FRAME_BYTES } from '../../src/channels/index.js';
import { ChannelError, ErrorCode } from '../../src/errors.js';
import {
  ChannelFactory,
  channelEngine,
  type ChannelEngine,
  chunksOf,
  WAIT_MS,
  patternBytes,
  sha256Hex,
  terminablePlatform,
  unmeteredPlatform,
  within,
  type ChannelPair,
} from './helpers.js';

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

function open(pair: ChannelPair, base = engine.url, options = { platform }) {
  return { reader: new ChannelReader(base, pair.reader, options), writer: new ChannelWriter(base, pair.writer, options) };
}

const enc = new TextEncoder();

describe('channels over the engine', () => {
  it('keeps text and binary frames in order, as their own kinds', async () => {
    const { reader, writer } = open(await factory.create());
    const log: string[] = [];
    reader.onMessage((text) => log.push(`text:${text}`));
    const reading = (async () => {
      for await (const chunk of chunksOf(reader.readable)) log.push(`bin:${new TextDecoder().decode(chunk)}`);
    })();
    const w = writer.writable.getWriter();
    // Not awaited one by one on purpose: sendMessage must slot in after the writes before it.
    const sends = [
      writer.sendMessage('m1'),
      w.write(enc.encode('b1')),
      writer.sendMessage('m2'),
      w.write(enc.encode('b2')),
      w.write(enc.encode('b3')),
      writer.sendMessage('m3'),
    ];
    await within(Promise.all(sends), WAIT_MS, 'sends');
    await within(w.close(), WAIT_MS, 'writer close');
    await within(reading, WAIT_MS, 'reader end');
    expect(log).toEqual(['text:m1', 'bin:b1', 'text:m2', 'bin:b2', 'bin:b3', 'text:m3']);
  });

  it('delivers messages through messages() and ends it with the channel', async () => {
    const { reader, writer } = open(await factory.create());
    const collected = (async () => {
      const out: string[] = [];
      for await (const text of reader.messages()) out.push(text);
      return out;
    })();
    for (const m of ['a', 'b', 'c']) await writer.sendMessage(m);
    await within(writer.close(), WAIT_MS, 'writer close');
    expect(await within(collected, WAIT_MS, 'messages')).toEqual(['a', 'b', 'c']);
  });

  it('moves 64 MiB intact in frames of at most 64 KiB (sha-256 both sides)', async () => {
    const data = patternBytes(64 * 1024 * 1024, 7);
    const { reader, writer } = open(await factory.create(64));
    let largest = 0;
    let total = 0;
    const parts: Uint8Array[] = [];
    const reading = (async () => {
      for await (const chunk of chunksOf(reader.readable)) {
        largest = Math.max(largest, chunk.byteLength);
        total += chunk.byteLength;
        parts.push(chunk);
      }
    })();
    const w = writer.writable.getWriter();
    // Uneven write sizes so frames straddle write boundaries.
    for (let at = 0, step = 1; at < data.byteLength; step = (step * 7) % 3_000_001) {
      const size = Math.min(200_000 + step, data.byteLength - at);
      await w.ready;
      void w.write(data.subarray(at, at + size));
      at += size;
    }
    await within(w.close(), 20_000, 'writer close');
    await within(reading, 20_000, 'reader end');
    const received = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      received.set(p, at);
      at += p.byteLength;
    }
    expect(total).toBe(data.byteLength);
    expect(largest).toBeLessThanOrEqual(MAX_FRAME_BYTES);
    expect(await sha256Hex(received)).toBe(await sha256Hex(data));
  }, 30_000);

  it('works with the reader connected first and with the reader arriving after the writer finished', async () => {
    const early = open(await factory.create());
    const all = early.reader.readAll();
    await new Promise((r) => setTimeout(r, 100));
    const w1 = early.writer.writable.getWriter();
    await w1.write(enc.encode('early'));
    await within(w1.close(), WAIT_MS, 'close');
    expect(new TextDecoder().decode(await within(all, WAIT_MS, 'readAll'))).toBe('early');

    const late = open(await factory.create());
    await late.writer.sendMessage('hello');
    const w2 = late.writer.writable.getWriter();
    await w2.write(patternBytes(3 * MAX_FRAME_BYTES + 5, 3));
    await within(w2.close(), WAIT_MS, 'close before the reader exists');
    const messages: string[] = [];
    late.reader.onMessage((t) => messages.push(t));
    const bytes = await within(late.reader.readAll(), WAIT_MS, 'late readAll');
    expect(await sha256Hex(bytes)).toBe(await sha256Hex(patternBytes(3 * MAX_FRAME_BYTES + 5, 3)));
    expect(messages).toEqual(['hello']);
  });

  it('close() with more data than the engine buffers and no reader yet loses nothing', async () => {
    const pair = await factory.create(2);
    // More than the engine queue (2 frames) but within what the loopback socket buffers hold,
    // so every byte leaves this process and close() has only the engine's echo to wait for.
    const data = patternBytes(1024 * 1024, 21);
    const writer = new ChannelWriter(engine.url, pair.writer, { platform, closeTimeoutMs: 300 });
    const w = writer.writable.getWriter();
    await within(w.write(data), WAIT_MS, 'write');
    const started = Date.now();
    await within(w.close(), WAIT_MS, 'close without a reader');
    expect(Date.now() - started).toBeGreaterThanOrEqual(250); // it did wait for an echo that could not come
    const reader = new ChannelReader(engine.url, pair.reader, { platform });
    const all = await within(reader.readAll(), 10_000, 'readAll');
    expect(await sha256Hex(all)).toBe(await sha256Hex(data));
  });

  it('carries two channels at once without mixing them', async () => {
    const a = open(await factory.create(4));
    const b = open(await factory.create(4));
    const da = patternBytes(2_000_000, 11);
    const db = patternBytes(1_500_000, 12);
    const [ra, rb] = await within(
      Promise.all([
        a.reader.readAll(),
        b.reader.readAll(),
        (async () => {
          const w = a.writer.writable.getWriter();
          await w.write(da);
          await w.close();
        })(),
        (async () => {
          const w = b.writer.writable.getWriter();
          await w.write(db);
          await w.close();
        })(),
      ]),
      10_000,
      'two channels',
    );
    expect(await sha256Hex(ra)).toBe(await sha256Hex(da));
    expect(await sha256Hex(rb)).toBe(await sha256Hex(db));
  });

  it('pipes through CompressionStream and DecompressionStream end to end', async () => {
    const { reader, writer } = open(await factory.create(8));
    const text = 'the quick brown fox jumps over the lazy dog\n'.repeat(50_000);
    const original = enc.encode(text);
    const source = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < original.byteLength; at += 100_000) controller.enqueue(original.slice(at, at + 100_000));
        controller.close();
      },
    });
    const sending = source
      .pipeThrough(new CompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>)
      .pipeTo(writer.writable);
    const restored = reader.readable.pipeThrough(
      new DecompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>,
    );
    const chunks: Uint8Array[] = [];
    const receiving = restored.pipeTo(new WritableStream({ write: (c) => void chunks.push(c) }));
    await within(Promise.all([sending, receiving]), 10_000, 'pipes');
    expect(Buffer.concat(chunks).equals(Buffer.from(original))).toBe(true);
  });

  it('makes the reader stream ERROR when the writer aborts (in-band abort frame)', async () => {
    const { reader, writer } = open(await factory.create());
    const messages: string[] = [];
    reader.onMessage((t) => messages.push(t));
    const result = reader.readAll().then(
      () => 'ended cleanly',
      (e: unknown) => e,
    );
    const w = writer.writable.getWriter();
    await w.write(enc.encode('partial'));
    await writer.sendMessage('before abort');
    await within(w.abort(new Error('disk full')), WAIT_MS, 'abort');
    const error = await within(result, WAIT_MS, 'reader outcome');
    expect(error).toBeInstanceOf(ChannelAbortedError);
    expect(error).toBeInstanceOf(ChannelError);
    expect((error as ChannelAbortedError).code).toBe(ErrorCode.ChannelAborted);
    expect((error as ChannelAbortedError).reason).toBe('disk full');
    expect((error as Error).message).toMatch(/aborted by its writer: disk full/);
    expect(messages).toEqual(['before abort']);
  });

  it('turns a failing pipeTo source and ChannelWriter.abort() into reader errors too', async () => {
    const piped = open(await factory.create());
    const outcome = piped.reader.readAll().catch((e: unknown) => e);
    const failing = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.error(new Error('source broke'));
      },
    });
    await expect(within(failing.pipeTo(piped.writer.writable), WAIT_MS, 'pipeTo')).rejects.toThrow('source broke');
    expect(await within(outcome, WAIT_MS, 'reader')).toMatchObject({ name: 'ChannelAbortedError', reason: 'source broke' });

    // Abort through the ChannelWriter while a writer holds the stream, before anything was sent:
    // the writer still connects so the reader learns of it.
    const direct = open(await factory.create());
    const outcome2 = direct.reader.readAll().catch((e: unknown) => e);
    const locked = direct.writer.writable.getWriter();
    await within(direct.writer.abort('user cancelled'), WAIT_MS, 'abort');
    await expect(locked.write(enc.encode('x'))).rejects.toBeDefined();
    expect(await within(outcome2, WAIT_MS, 'reader')).toMatchObject({ name: 'ChannelAbortedError', reason: 'user cancelled' });
  });

  it('aborts the channel when a write fails (a string written to the byte stream)', async () => {
    const { reader, writer } = open(await factory.create());
    const outcome = reader.readAll().catch((e: unknown) => e);
    const w = writer.writable.getWriter();
    await w.write(enc.encode('ok'));
    await expect(w.write('oops' as unknown as Uint8Array)).rejects.toThrow(/accepts bytes/);
    await expect(writer.sendMessage('after')).rejects.toMatchObject({ name: 'ChannelError', code: ErrorCode.ChannelAborted });
    const error = await within(outcome, WAIT_MS, 'reader outcome');
    expect(error).toBeInstanceOf(ChannelAbortedError);
    expect((error as ChannelAbortedError).reason).toMatch(/accepts bytes/);
  });

  it("makes the reader's cancel() reach the writer as an error on a later write (§4.4)", async () => {
    const pair = await factory.create(2);
    // A transport that can drop the socket: the engine never answers a reader's Close (§8 item 37).
    const reader = new ChannelReader(engine.url, pair.reader, { platform: terminablePlatform() });
    const writer = new ChannelWriter(engine.url, pair.writer, { platform });
    const w = writer.writable.getWriter();
    const r = reader.readable.getReader();
    await w.write(patternBytes(MAX_FRAME_BYTES, 1));
    const first = await within(r.read(), WAIT_MS, 'first chunk');
    expect(first.value?.byteLength).toBe(MAX_FRAME_BYTES);
    await r.cancel('not interested');
    const failure = await within(
      (async () => {
        for (let i = 0; i < 1000; i++) {
          await w.write(patternBytes(MAX_FRAME_BYTES, i));
          await new Promise((res) => setTimeout(res, 5));
        }
        return 'never failed';
      })().catch((e: unknown) => e),
      10_000,
      'writer error',
    );
    expect(failure).toBeInstanceOf(ChannelError);
    expect((failure as Error).message).toMatch(/reader went away/);
    expect((failure as ChannelError).code).toBe(ErrorCode.ChannelClosed);
  });

  it('builds working channel URLs from a ?token= worker address on an RBAC listener', async (ctx) => {
    // The channel endpoint of an RBAC listener needs no session (§1.3): no auth function is served.
    const rbacEngine = externalEngine
      ? { url: externalEngine.url, listeners: [{}, { port: new URL(externalRbacUrl(ctx)).port }], close: async () => undefined }
      : await startEngine({ listeners: [{ port: 0 }, { port: 0, rbac: { auth_function_id: AUTH_FUNCTION_ID } }] });
    const rbacFactory = await ChannelFactory.connect(rbacEngine.url);
    try {
      const rbacPort = rbacEngine.listeners[1]?.port;
      for (const base of [`ws://127.0.0.1:${rbacPort}/?token=abc`, `ws://127.0.0.1:${rbacPort}?token=abc`]) {
        const { reader, writer } = open(await rbacFactory.create(), base);
        const all = reader.readAll();
        const w = writer.writable.getWriter();
        await w.write(enc.encode(`via ${base}`));
        await within(w.close(), WAIT_MS, 'close');
        expect(new TextDecoder().decode(await within(all, WAIT_MS, 'readAll'))).toBe(`via ${base}`);
      }
    } finally {
      rbacFactory.close();
      await rbacEngine.close();
    }
  });

  it('explains a wrong key and an unknown channel with a ChannelError', async () => {
    const pair = await factory.create();
    const badKey = new ChannelReader(engine.url, { ...pair.reader, access_key: 'not-the-key' }, { platform });
    const e1 = await within(badKey.readAll().catch((e: unknown) => e), WAIT_MS, 'bad key');
    expect(e1).toBeInstanceOf(ChannelError);
    expect((e1 as Error).message).toMatch(/unknown to the engine or its access key is wrong/);
    expect((e1 as Error).message).not.toContain('not-the-key');
    expect((e1 as ChannelError).channel_id).toBe(pair.reader.channel_id);
    expect((e1 as ChannelError).code).toBe(ErrorCode.ChannelError);

    const unknown = new ChannelWriter(
      engine.url,
      { channel_id: '00000000-0000-4000-8000-000000000000', access_key: pair.writer.access_key, direction: 'write' },
      { platform },
    );
    const w = unknown.writable.getWriter();
    const e2 = await within(w.write(enc.encode('x')).catch((e: unknown) => e), WAIT_MS, 'unknown channel');
    expect(e2).toBeInstanceOf(ChannelError);
    expect((e2 as Error).message).toMatch(/00000000-0000-4000-8000-000000000000 is unknown to the engine/);
    await expect(unknown.sendMessage('late')).rejects.toBeInstanceOf(ChannelError);
  });

  it('refuses a second writer on a taken side with a ChannelError (§8 item 34)', async () => {
    const pair = await factory.create();
    const first = new ChannelWriter(engine.url, pair.writer, { platform });
    await first.sendMessage('first');
    const second = new ChannelWriter(engine.url, pair.writer, { platform });
    const w = second.writable.getWriter();
    const error = await within(
      (async () => {
        for (let i = 0; i < 50; i++) {
          await w.write(enc.encode('x'));
          await new Promise((r) => setTimeout(r, 10));
        }
        return 'accepted';
      })().catch((e: unknown) => e),
      WAIT_MS,
      'second writer',
    );
    expect(error).toBeInstanceOf(ChannelError);
    expect((error as Error).message).toMatch(/another writer already holds this channel/);
    expect((error as ChannelError).code).toBe(ErrorCode.ChannelClosed);
    await within(first.close(), WAIT_MS, 'first close');
  });

  it('moves data correctly where bufferedAmount is undefined (workerd-style pacing)', async () => {
    const data = patternBytes(8 * 1024 * 1024, 5);
    const pair = await factory.create(8);
    const reader = new ChannelReader(engine.url, pair.reader, { platform: unmeteredPlatform() });
    const writer = new ChannelWriter(engine.url, pair.writer, { platform: unmeteredPlatform() });
    const all = reader.readAll();
    const w = writer.writable.getWriter();
    for (let at = 0; at < data.byteLength; at += 1_000_000) await w.write(data.subarray(at, at + 1_000_000));
    await within(w.close(), 10_000, 'close');
    expect(await sha256Hex(await within(all, 10_000, 'readAll'))).toBe(await sha256Hex(data));
  });

  it('errors the reader, not a clean end, when the socket drops mid-stream (1006)', async (ctx) => {
    referenceOnly(ctx, 'drops every socket by closing an engine of its own');
    const own = await startEngine({ port: 0 });
    const ownFactory = await ChannelFactory.connect(own.url);
    try {
      const pair = await ownFactory.create();
      const reader = new ChannelReader(own.url, pair.reader, { platform });
      const writer = new ChannelWriter(own.url, pair.writer, { platform });
      const r = reader.readable.getReader();
      const w = writer.writable.getWriter();
      await w.write(enc.encode('some'));
      await within(r.read(), WAIT_MS, 'first chunk');
      const next = r.read().catch((e: unknown) => e);
      await own.close(); // drops every socket without a Close frame
      const error = await within(next, WAIT_MS, 'reader outcome');
      expect(error).toBeInstanceOf(ChannelError);
      expect((error as Error).message).toMatch(/closed abnormally \(code 1006\)/);
      expect((error as ChannelError).code).toBe(ErrorCode.ChannelTruncated);
    } finally {
      ownFactory.close();
      await own.close();
    }
  });

  /** What a reader of this SDK makes of a raw writer's `frames`, sent one by one, then its Close. */
  const foreign = async (frames: Array<string | Uint8Array>) => {
    const pair = await factory.create();
    const url = `${engine.url}/ws/channels/${pair.writer.channel_id}?key=${pair.writer.access_key}&dir=write`;
    const ws = new WebSocket(url);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    for (const f of frames) ws.send(f);
    ws.close(1000);
    return new ChannelReader(engine.url, pair.reader, { platform }).readAll();
  };

  it('end marks: a writer of another SDK that sends an empty frame (Python write(b\'\')) still ends cleanly', async () => {
    // One leading empty frame is not the two start marks (marks.ts), so the stream is unmarked and
    // its clean end stays clean.
    expect(await within(foreign([new Uint8Array(0), enc.encode('data')]), WAIT_MS, 'one empty frame, data')).toEqual(enc.encode('data'));
    expect((await within(foreign([new Uint8Array(0)]), WAIT_MS, 'one empty frame only')).byteLength).toBe(0);
    expect(await within(foreign([enc.encode('a'), new Uint8Array(0), enc.encode('b')]), WAIT_MS, 'empty frame mid-stream')).toEqual(enc.encode('ab'));
    // This SDK's writer: start marks, data, end mark. Without the end mark the same stream is truncated.
    const marked = await foreign([new Uint8Array(0), new Uint8Array(0), enc.encode('x')]).catch((e: unknown) => e);
    expect(marked).toBeInstanceOf(ChannelError);
    expect((marked as ChannelError).code).toBe(ErrorCode.ChannelTruncated);
    expect(await within(foreign([new Uint8Array(0), new Uint8Array(0), enc.encode('x'), new Uint8Array(0)]), WAIT_MS, 'marked')).toEqual(enc.encode('x'));
  });

  it('messages sent before the first chunk go out before every binary frame, start marks included (the engine\'s HTTP response takes its status from them, protocol.md §8 item 47)', async () => {
    const pair = await factory.create();
    const sent: string[] = [];
    const recording = { ...platform, connect: ((url, o, h) => {
      const t = platform.connect(url, o, h);
      return { ...t, send: (d: string | Uint8Array) => (sent.push(typeof d === 'string' ? 'text' : `bytes ${d.byteLength}`), t.send(d)) };
    }) as typeof platform.connect };
    const writer = new ChannelWriter(engine.url, pair.writer, { platform: recording });
    const reader = new ChannelReader(engine.url, pair.reader, { platform });
    const texts: string[] = [];
    reader.onMessage((t) => texts.push(t));
    const all = reader.readAll();
    void writer.sendMessage(JSON.stringify({ type: 'set_status', status_code: 202 }));
    void writer.sendMessage(JSON.stringify({ type: 'set_headers', headers: { 'content-type': 'text/plain' } }));
    const w = writer.writable.getWriter();
    await w.write(enc.encode('body'));
    await within(w.close(), WAIT_MS, 'close');
    expect(sent).toEqual(['text', 'text', 'bytes 0', 'bytes 0', 'bytes 4', 'bytes 0']);
    expect(await within(all, WAIT_MS, 'readAll')).toEqual(enc.encode('body'));
    expect(texts.map((t) => JSON.parse(t).type)).toEqual(['set_status', 'set_headers']);
  });

  it('end marks after leading messages: the stream is still marked, so a missing end mark is a truncation', async () => {
    const mark = new Uint8Array(0);
    const cut = await foreign(['{"type":"set_status","status_code":202}', mark, mark, enc.encode('x')]).catch((e: unknown) => e);
    expect(cut).toBeInstanceOf(ChannelError);
    expect((cut as ChannelError).code).toBe(ErrorCode.ChannelTruncated);
    expect(await within(foreign(['{"type":"set_status","status_code":202}', mark, mark, enc.encode('x'), mark]), WAIT_MS, 'complete')).toEqual(enc.encode('x'));
  });

  it('an empty stream from this SDK\'s writer (close() with nothing written) is complete, not truncated', async () => {
    const { reader, writer } = open(await factory.create());
    const all = reader.readAll();
    await within(writer.close(), WAIT_MS, 'close');
    expect((await within(all, WAIT_MS, 'readAll')).byteLength).toBe(0);
  });

  it('connects lazily and cancel() before any read opens nothing', async () => {
    const pair = await factory.create();
    const connects: string[] = [];
    const counting = { ...platform, connect: ((url, o, h) => {
      connects.push(url);
      return platform.connect(url, o, h);
    }) as typeof platform.connect };
    const reader = new ChannelReader(engine.url, pair.reader, { platform: counting });
    const writer = new ChannelWriter(engine.url, pair.writer, { platform: counting });
    await new Promise((r) => setTimeout(r, 20));
    expect(connects).toEqual([]);
    await reader.readable.cancel();
    expect(connects).toEqual([]);
    await writer.sendMessage('x');
    expect(connects).toHaveLength(1);
    expect(connects[0]).toMatch(/\/ws\/channels\/[^?]+\?key=[^&]+&dir=write$/);
    await within(writer.close(), WAIT_MS, 'close');
  });
});
