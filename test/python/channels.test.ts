/**
 * Channels across the language boundary (protocol.md §4): text messages and 8 MiB of bytes written
 * in one language and read in the other, in both directions, with the channel created on either
 * side. Each side hashes what it wrote or read (SHA-256) and the hashes must match.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelReader, ChannelWriter, type III } from '../../platform/node/index.js';
import { callPython, cleanup, engineUnderTest, listed, startPython, tsWorker, unique, within, type PythonPeer } from './harness.js';

const MIB = 1024 * 1024;
const SIZE = 8 * MIB;
const MESSAGES = ['{"name":"report.bin"}', 'zwei wörter ✓ 🚀', ''];

let ts: III;
let py: PythonPeer;
const fn = { hashInput: unique('ts::hash_input'), produce: unique('ts::produce') };

interface Hashed {
  sha256: string;
  bytes: number;
  messages: string[];
}

/** Reads a channel to its end: SHA-256 of the bytes, their count, the text messages in order. */
async function hashReader(reader: ChannelReader): Promise<Hashed> {
  const messages: string[] = [];
  reader.onMessage((m) => messages.push(m));
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of reader.readable as unknown as AsyncIterable<Uint8Array>) {
    hash.update(chunk);
    bytes += chunk.byteLength;
  }
  return { sha256: hash.digest('hex'), bytes, messages };
}

/** Writes the messages, then `size` random bytes in 1 MiB writes, then closes; returns the hash. */
async function writeRandom(writer: ChannelWriter, size: number, messages: string[]): Promise<{ sha256: string; bytes: number }> {
  for (const m of messages) await writer.sendMessage(m);
  const hash = createHash('sha256');
  const w = writer.writable.getWriter();
  for (let left = size; left > 0; left -= MIB) {
    const chunk = randomBytes(Math.min(MIB, left));
    hash.update(chunk);
    await w.write(chunk);
  }
  await w.close();
  return { sha256: hash.digest('hex'), bytes: size };
}

beforeAll(async () => {
  const engine = await engineUnderTest();
  ts = tsWorker(engine.url);
  ts.registerFunction(fn.hashInput, async (data: { input: ChannelReader }) => {
    if (!(data.input instanceof ChannelReader)) throw new Error('input did not arrive as a ChannelReader');
    return hashReader(data.input);
  });
  ts.registerFunction(fn.produce, async (data: { output: ChannelWriter; bytes: number; messages: string[] }) => {
    if (!(data.output instanceof ChannelWriter)) throw new Error('output did not arrive as a ChannelWriter');
    return writeRandom(data.output, data.bytes, data.messages);
  });
  py = await startPython(engine.url);
  await ts.ready();
  await listed(ts, [fn.hashInput, fn.produce, py.fn('channel_read'), py.fn('channel_write')]);
});

afterAll(cleanup);

describe('a channel created by this SDK', () => {
  it('this SDK writes messages and 8 MiB, Python reads them (same SHA-256, same messages in order)', async () => {
    const channel = await ts.createChannel();
    const reading = callPython<Hashed & { reader: string }>(ts, py, 'channel_read', { input: channel.readerRef }, 60_000);
    const written = await within(writeRandom(channel.writer, SIZE, MESSAGES), 60_000, 'writing 8 MiB');
    const read = await reading;
    expect(read).toEqual({ ...written, messages: MESSAGES, reader: 'ChannelReader' });
  });

  it('Python writes messages and 8 MiB, this SDK reads them (same SHA-256, same messages in order)', async () => {
    const channel = await ts.createChannel();
    const writing = callPython<{ sha256: string; bytes: number; writer: string }>(
      ts,
      py,
      'channel_write',
      { output: channel.writerRef, bytes: SIZE, messages: MESSAGES.slice(0, 2), after: ['done'], seed: 7 },
      60_000,
    );
    const read = await within(hashReader(channel.reader), 60_000, 'reading 8 MiB');
    const written = await writing;
    expect(written.writer).toBe('ChannelWriter');
    expect(read).toEqual({ sha256: written.sha256, bytes: SIZE, messages: [...MESSAGES.slice(0, 2), 'done'] });
  });
});

describe('a channel created by Python', () => {
  it('Python writes 8 MiB into a reader ref it passes to this SDK, which gets a live ChannelReader', async () => {
    const out = await callPython<any>(ts, py, 'channel_to_other', { function_id: fn.hashInput, bytes: SIZE, messages: MESSAGES.slice(0, 2) }, 60_000);
    expect(out.ok, JSON.stringify(out.error)).toBe(true);
    expect(out.result).toEqual({ sha256: out.sha256, bytes: SIZE, messages: MESSAGES.slice(0, 2) });
  });

  it('this SDK writes 8 MiB into a writer ref Python passes to it, and Python reads it', async () => {
    const out = await callPython<any>(ts, py, 'channel_from_other', { function_id: fn.produce, payload: { bytes: SIZE, messages: ['first'] } }, 60_000);
    expect(out.ok, JSON.stringify(out.error)).toBe(true);
    expect(out).toMatchObject({ sha256: out.result.sha256, bytes: SIZE, messages: ['first'] });
    expect(out.result.bytes).toBe(SIZE);
  });
});
