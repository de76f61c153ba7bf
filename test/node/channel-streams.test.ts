/**
 * The Node entry's channel surface for `iii-sdk` users (issue 13): `reader.stream` (a `Readable`),
 * `writer.stream` (a `Writable`), `readAll()` as a `Buffer`, and the free helpers
 * (`createChannel`, `isChannelRef`, `extractChannelRefs`, `ChannelDirection`, `ChannelItem`),
 * compared with `iii-sdk`'s own where it has them. Against the reference engine.
 */
import { once } from 'node:events';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as official from 'iii-sdk/helpers';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ChannelAbortedError,
  ChannelDirection,
  ChannelError,
  ChannelItem,
  ChannelReader,
  ChannelWriter,
  ErrorCode,
  createChannel,
  extractChannelRefs,
  isChannelRef,
} from '../../platform/node/index.js';
import { cleanup, engine, within, worker } from './helpers.js';

afterEach(cleanup);

const MiB = 1024 * 1024;

async function channel(bufferSize?: number) {
  const e = await engine();
  const iii = worker(e.url);
  return { iii, url: e.url, ch: await within(createChannel(iii, bufferSize), 5000, 'createChannel') };
}

describe('Node streams on channel ends', () => {
  it('writer.stream and reader.stream carry bytes (strings as UTF-8) end to end, Buffers out', async () => {
    const { ch } = await channel(4);
    const chunks: Buffer[] = [];
    ch.reader.stream.on('data', (c: Buffer) => chunks.push(c));
    const ended = once(ch.reader.stream, 'end');
    ch.writer.stream.write('hello ');
    ch.writer.stream.write(Buffer.alloc(150_000, 0x61));
    ch.writer.stream.end(new Uint8Array([0x21]));
    await within(ended, 5000, 'end');
    expect(chunks.every((c) => Buffer.isBuffer(c) && c.length > 0 && c.length <= 64 * 1024)).toBe(true);
    const all = Buffer.concat(chunks);
    expect(all.length).toBe(6 + 150_000 + 1);
    expect(all.subarray(0, 6).toString('utf-8')).toBe('hello ');
    expect(all.at(-1)).toBe(0x21);
  });

  it('pipeline() through writer.stream waits on backpressure and a slow reader.stream consumer gets every byte', async () => {
    const { ch } = await channel(2);
    const total = 8 * MiB;
    const source = Readable.from(
      (function* () {
        for (let i = 0; i < total / MiB; i++) yield Buffer.alloc(MiB, i);
      })(),
    );
    let received = 0;
    let sum = 0;
    const slowSink = new Writable({
      highWaterMark: 64 * 1024,
      write(chunk: Buffer, _e, callback) {
        received += chunk.length;
        sum += chunk[0]!;
        setTimeout(callback, 1);
      },
    });
    await within(Promise.all([pipeline(source, ch.writer.stream), pipeline(ch.reader.stream, slowSink)]), 20_000, 'both pipelines');
    expect(received).toBe(total);
    expect(sum).toBeGreaterThan(0);
  });

  it('readAll() resolves a Buffer for one frame, many frames and none; through .stream once it exists', async () => {
    for (const size of [3, 300_000, 0]) {
      const { ch } = await channel();
      const w = ch.writer.writable.getWriter();
      if (size > 0) await w.write(new Uint8Array(size).fill(5));
      await w.close();
      const all = await within(ch.reader.readAll(), 5000, 'readAll');
      expect(Buffer.isBuffer(all)).toBe(true);
      expect(all.length).toBe(size);
      // It owns its memory: `new Uint8Array(all.buffer)` shows these bytes and no others.
      if (size > 0) expect([all.byteOffset, all.buffer.byteLength]).toEqual([0, size]);
    }
    const { ch } = await channel();
    const stream = ch.reader.stream;
    expect(() => ch.reader.readable.getReader()).toThrow(TypeError);
    ch.writer.stream.end(Buffer.from('via stream'));
    expect((await within(ch.reader.readAll(), 5000, 'readAll through stream')).toString()).toBe('via stream');
    expect(stream.readableEnded).toBe(true);
  });

  it('reader.stream emits the ChannelError: a truncated stream is an error event, not an end', async () => {
    const { ch, url } = await channel();
    // A writer whose socket is dropped after its bytes left: it died mid-stream.
    const platform = (await import('../../platform/node/platform.js')).createNodePlatform();
    let socket: { terminate?(): void; bufferedAmount(): number | undefined } | undefined;
    const connect = platform.connect;
    platform.connect = (u, o, h) => (socket = connect(u, o, h));
    const writer = new ChannelWriter(url, ch.writerRef, { platform });
    const w = writer.writable.getWriter();
    await w.write(new Uint8Array(100_000));
    while ((socket?.bufferedAmount() ?? 0) > 0) await new Promise((r) => setTimeout(r, 5));
    socket?.terminate?.();
    const stream = ch.reader.stream;
    stream.resume();
    const [error] = (await within(once(stream, 'error'), 5000, 'error event')) as [ChannelError];
    expect(error).toBeInstanceOf(ChannelError);
    expect(error.code).toBe(ErrorCode.ChannelTruncated);
  });

  it('destroying writer.stream before end() aborts the channel; destroying reader.stream cancels it', async () => {
    const { ch } = await channel();
    const outcome = ch.reader.readAll().catch((e: unknown) => e);
    await new Promise<void>((resolve, reject) => ch.writer.stream.write(Buffer.from('partial'), (err) => (err ? reject(err) : resolve())));
    const destroyed = once(ch.writer.stream, 'error');
    ch.writer.stream.destroy(new Error('producer failed'));
    expect(((await destroyed) as [Error])[0].message).toBe('producer failed');
    const error = await within(outcome, 5000, 'reader outcome');
    expect(error).toBeInstanceOf(ChannelAbortedError);
    expect(error).toMatchObject({ code: 'CHANNEL_ABORTED', reason: 'producer failed' });

    const second = await channel(1);
    const r = second.ch.reader.stream;
    const w = second.ch.writer.writable.getWriter();
    await w.write(new Uint8Array(64 * 1024));
    const [first] = (await within(once(r, 'data'), 5000, 'first chunk')) as [Buffer];
    expect(first.length).toBe(64 * 1024);
    r.destroy();
    const writeError = await within(
      (async () => {
        for (let i = 0; i < 2000; i++) await w.write(new Uint8Array(64 * 1024));
        return 'never rejected';
      })().catch((e: unknown) => e),
      10_000,
      'the writer to learn the reader went away',
    );
    expect(writeError).toMatchObject({ code: 'CHANNEL_CLOSED' });
  });

  it('stream is made on first access only, and refuses an end already being read', async () => {
    const { ch } = await channel();
    // Nothing was made for an end whose stream is not touched: its WHATWG stream is still free.
    expect([ch.reader.readable.locked, ch.writer.writable.locked]).toEqual([false, false]);
    const r = ch.reader.readable.getReader();
    expect(() => ch.reader.stream).toThrow(/already being read/);
    r.releaseLock();
    expect(ch.reader.stream).toBe(ch.reader.stream);
    const w = ch.writer.writable.getWriter();
    expect(() => ch.writer.stream).toThrow(/already locked/);
    w.releaseLock();
    expect(ch.writer.stream).toBeInstanceOf(Writable);
    await within(ch.writer.close(), 5000, 'close through the stream');
    expect(ch.writer.stream.writableFinished).toBe(true);
  });
});

describe("iii-sdk's free channel helpers", () => {
  it('createChannel(iii, bufferSize) returns live Node ends and plain refs', async () => {
    const { ch } = await channel(8);
    expect(ch.reader).toBeInstanceOf(ChannelReader);
    expect(ch.writer).toBeInstanceOf(ChannelWriter);
    expect(isChannelRef(ch.readerRef) && isChannelRef(ch.writerRef)).toBe(true);
    expect(ch.readerRef.direction).toBe(ChannelDirection.Read);
    expect(ch.writerRef.direction).toBe(ChannelDirection.Write);
  });

  it('extractChannelRefs, isChannelRef, ChannelDirection and ChannelItem match iii-sdk', () => {
    const ref = (direction: 'read' | 'write', id = 'c1') => ({ channel_id: id, access_key: 'k', direction });
    const shared = ref('write', 'shared');
    const data = { a: ref('read'), list: [1, { deep: [ref('write', 'c2')] }, shared], again: shared, none: { channel_id: 1 }, s: 'x', n: null };
    expect(extractChannelRefs(data)).toEqual(official.extractChannelRefs(data));
    expect(extractChannelRefs(data).map(([path]) => path)).toEqual(['a', 'list[1].deep[0]', 'list[2]', 'again']);
    expect(extractChannelRefs(ref('read'))).toEqual([['', ref('read')]]);
    expect(extractChannelRefs([ref('read')])).toEqual(official.extractChannelRefs([ref('read')]));
    const cyclic: Record<string, unknown> = { r: ref('read') };
    cyclic.self = cyclic;
    expect(extractChannelRefs(cyclic)).toEqual([['r', ref('read')]]);
    for (const v of [ref('read'), { ...ref('read'), direction: 'both' }, { channel_id: 'x', access_key: 1, direction: 'read' }, null, 'x']) {
      expect(isChannelRef(v)).toBe(official.isChannelRef(v));
    }
    expect(ChannelDirection).toEqual(official.ChannelDirection);
    expect(ChannelItem.Text('t')).toEqual(official.ChannelItem.Text('t'));
    expect(ChannelItem.Binary(new Uint8Array([1]))).toEqual(official.ChannelItem.Binary(new Uint8Array([1])));
  });
});
