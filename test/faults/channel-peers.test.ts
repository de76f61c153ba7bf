/**
 * Issue 10 items 1 and 3: a channel peer goes away mid-stream.
 *
 * - The reader side goes away while the writer's `write()` waits for the socket to drain (the
 *   reader cancels, the reader's process is killed, the engine dies): `write()` must reject with
 *   `CHANNEL_CLOSED` within 1 s, and the writer's process must stay responsive. The writer runs in
 *   a child process that prints a timer tick every 50 ms, so a writer that spins at 100 % shows up
 *   as missing ticks (and an unanswered PING), not as a frozen test.
 * - The writer's process is killed mid-stream: the reader (this SDK) must error with
 *   `CHANNEL_TRUNCATED` every time; a complete stream and an official `iii-sdk` writer's clean end
 *   must not error; a writer that exits right after `await writer.abort()` must leave its reader
 *   with `CHANNEL_ABORTED`, not a clean, truncated end.
 * Bounds: every wait below has its own timeout; children are SIGKILLed after each test.
 */
import { ChannelWriter as OfficialChannelWriter } from 'iii-sdk/channel';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, engine, within, worker } from '../node/helpers.js';
import { PEER, TICK_WINDOW_MS, WRITE_SETTLE_BOUND_MS, drain, writerKilled, writerOutcome, type WriterOutcome } from './channel-faults.js';
import { killChildren, spawnChild, type Child } from './children.js';
import { CODE, MiB, codeOf } from './contract.js';
import { EngineProcess } from './engine-process.js';

const MIN_TICKS = 8;

const engines: EngineProcess[] = [];
afterEach(async () => {
  await killChildren();
  await cleanup();
  await Promise.all(engines.splice(0).map((e) => e.close()));
});

function expectWriterRecovered(o: WriterOutcome, what: string): void {
  const summary =
    `${what}: write() ${o.settleMs === undefined ? `did not settle within ${WRITE_SETTLE_BOUND_MS} ms` : `settled after ${o.settleMs} ms (${o.line})`}; ` +
    `the writer process printed ${o.ticks} timer ticks in the ${TICK_WINDOW_MS} ms after (a responsive one prints ~30) ` +
    `and ${o.pong ? 'answered' : 'did not answer'} PING`;
  expect(o.settleMs, summary).toBeDefined();
  expect(o.code, summary).toBe(CODE.ChannelClosed);
  expect(o.ticks, summary).toBeGreaterThanOrEqual(MIN_TICKS);
  expect(o.pong, summary).toBe(true);
}

/**
 * A writer child on a 1-message channel, its reader (here) past the first chunk, and the writer's
 * `write()` waiting for the socket to drain.
 */
async function blockedWriter(url: string) {
  const iii = worker(url);
  await within(iii.ready(), 10_000, 'ready');
  const channel = await within(iii.createChannel(1), 5000, 'createChannel');
  const child = spawnChild(PEER, ['write', url, JSON.stringify(channel.writerRef), JSON.stringify({ chunkBytes: MiB })]);
  const reader = channel.reader.readable.getReader();
  await within(reader.read(), 10_000, 'first chunk');
  await waitPending(child);
  return { reader, child };
}

async function waitPending(child: Child): Promise<void> {
  const pending = await child.waitLine(/^PENDING /, 15_000);
  if (!pending) throw new Error(`the writer child never waited on backpressure; its output: ${child.lines.slice(-5).map((l) => l.text).join(' | ')} ${child.stderr()}`);
}

describe('item 1: the reader side goes away while write() waits for drain', () => {
  it('the reader cancels: write() rejects CHANNEL_CLOSED and the writer process keeps running', { timeout: 30_000 }, async () => {
    const e = await engine();
    const { reader, child } = await blockedWriter(e.url);
    const goneAt = Date.now();
    await within(reader.cancel(), 2000, 'cancel');
    expectWriterRecovered(await writerOutcome(child, goneAt), 'reader cancelled');
  });

  it("the reader's process is killed: write() rejects CHANNEL_CLOSED and the writer process keeps running", { timeout: 30_000 }, async () => {
    const e = await engine();
    const iii = worker(e.url);
    await within(iii.ready(), 5000, 'ready');
    const channel = await within(iii.createChannel(1), 5000, 'createChannel');
    const reader = spawnChild(PEER, ['read', e.url, JSON.stringify(channel.readerRef)]);
    const writer = spawnChild(PEER, ['write', e.url, JSON.stringify(channel.writerRef), JSON.stringify({ chunkBytes: MiB })]);
    expect(await reader.waitLine(/^READING$/, 15_000), 'the reader child read its first chunk').toBeDefined();
    await waitPending(writer);
    const goneAt = Date.now();
    await reader.kill('SIGKILL');
    expectWriterRecovered(await writerOutcome(writer, goneAt), 'reader process killed');
  });

  it('the engine dies: write() rejects CHANNEL_CLOSED and the writer process keeps running', { timeout: 40_000 }, async () => {
    const proc = await EngineProcess.start();
    engines.push(proc);
    const { reader, child } = await blockedWriter(proc.url);
    const goneAt = Date.now();
    await proc.kill();
    expectWriterRecovered(await writerOutcome(child, goneAt), 'engine killed');
    reader.cancel().catch(() => undefined);
  });
});

describe('item 3: a truncated stream must not look complete', () => {
  it('a writer process killed mid-stream: the reader errors CHANNEL_TRUNCATED, every time (3 runs)', { timeout: 60_000 }, async () => {
    const e = await engine();
    const iii = worker(e.url);
    await within(iii.ready(), 5000, 'ready');
    const outcomes: string[] = [];
    for (let run = 1; run <= 3; run++) {
      const total = 512 * MiB;
      const r = await writerKilled(iii, e.url, total, 4 * MiB);
      outcomes.push(
        r.outcome === 'clean'
          ? `run ${run}: ended cleanly after ${r.bytes} of ${total} bytes`
          : `run ${run}: ${r.outcome === 'error' ? 'errored' : 'hung'} after ${r.bytes} bytes with ${r.code ?? 'no code'} (${String(r.message).slice(0, 160)})`,
      );
    }
    expect(outcomes.filter((o) => !/errored .* with CHANNEL_TRUNCATED/.test(o)), outcomes.join('\n')).toEqual([]);
  });

  it('a complete stream from a writer process ends without error, with every byte', { timeout: 30_000 }, async () => {
    const e = await engine();
    const iii = worker(e.url);
    await within(iii.ready(), 5000, 'ready');
    const channel = await within(iii.createChannel(8), 5000, 'createChannel');
    const total = 8 * MiB + 12345;
    const child = spawnChild(PEER, ['write', e.url, JSON.stringify(channel.writerRef), JSON.stringify({ totalBytes: total })]);
    const out = await drain(channel.reader.readable, 20_000);
    expect(out.error, String(out.error)).toBeUndefined();
    expect(out.bytes).toBe(total);
    expect(await child.waitLine(/^DONE /, 5000)).toBeDefined();
  });

  it("an official iii-sdk writer's clean end is a clean end for this SDK's reader", { timeout: 20_000 }, async () => {
    const e = await engine();
    const iii = worker(e.url);
    await within(iii.ready(), 5000, 'ready');
    const channel = await within(iii.createChannel(8), 5000, 'createChannel');
    const official = new OfficialChannelWriter(e.url, channel.writerRef);
    const chunk = Buffer.alloc(100_000, 7);
    const reading = drain(channel.reader.readable, 10_000);
    for (let i = 0; i < 10; i++) {
      await new Promise<void>((resolve, reject) => official.stream.write(chunk, (err) => (err ? reject(err) : resolve())));
    }
    official.stream.end();
    const out = await reading;
    expect(out.error, String(out.error)).toBeUndefined();
    expect(out.bytes).toBe(1_000_000);
  });

  it('a writer process that exits right after `await writer.abort()`: its reader errors CHANNEL_ABORTED', { timeout: 40_000 }, async () => {
    const e = await engine();
    const iii = worker(e.url);
    await within(iii.ready(), 5000, 'ready');
    const channel = await within(iii.createChannel(1), 5000, 'createChannel');
    // A slow reader (10 ms per 64 KiB frame): the writer's socket is full when it aborts, so its
    // abort frame queues behind data, and leaves the process only as the reader makes room.
    const reading = drain(channel.reader.readable, 30_000, 10);
    const child = spawnChild(PEER, ['abort-exit', e.url, JSON.stringify(channel.writerRef), JSON.stringify({ chunkBytes: MiB })]);
    expect(await child.waitLine(/^ABORT_RESOLVED$/, 20_000), `the child aborted: ${child.stderr()}`).toBeDefined();
    await within(child.exited, 5000, 'the writer process to exit');
    const out = await reading;
    const what = !out.ended
      ? `still reading after 30 s (${out.bytes} bytes)`
      : out.error === undefined
        ? `ended cleanly after ${out.bytes} bytes`
        : `errored with ${codeOf(out.error) ?? 'no code'}: ${String((out.error as Error).message)}`;
    expect(codeOf(out.error), `the reader ${what}`).toBe(CODE.ChannelAborted);
  });
});
