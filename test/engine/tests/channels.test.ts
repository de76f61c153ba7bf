// §4 data channels, §8 items 33–37.
import { describe, expect, it } from 'vitest';
import { useHarness } from './harness';
import { httpProbe, openChannel, sleep, withTimeout, type Frame, type RawSocket } from './raw-client';

const h = useHarness();

async function channel(opts: Parameters<typeof h.engine>[0] = {}, input: Frame = {}) {
  const e = await h.engine(opts);
  const w = await h.announced(e.url, { name: 'chan' });
  const refs = await w.call('engine::channels::create', input);
  const open = async (dir: 'read' | 'write'): Promise<RawSocket> => h.track(await openChannel(e.url, dir === 'read' ? refs.reader : refs.writer, dir));
  return { e, w, refs, open };
}

describe('channel data flow (§4.3)', () => {
  it('forwards text and binary frames unchanged and in order, then Close without status code (1005)', async () => {
    const { open } = await channel();
    const reader = await open('read');
    const writer = await open('write');
    writer.send('one');
    writer.sendBinary(Buffer.from([1, 2, 3]));
    writer.send('three');
    writer.sendBinary(Buffer.alloc(0));
    writer.sendBinary(Buffer.from('four'));
    await writer.close(1000, 'done');
    const got = [];
    for (let i = 0; i < 5; i++) got.push(await reader.nextMsg());
    expect(got.map((m) => [m.binary, m.binary ? [...m.data] : m.text])).toEqual([
      [false, 'one'],
      [true, [1, 2, 3]],
      [false, 'three'],
      [true, []],
      [true, [...Buffer.from('four')]],
    ]);
    const c = await reader.waitClose();
    expect(c.code).toBe(1005);
  });

  it('preserves frame boundaries of large binary frames', async () => {
    const { open } = await channel();
    const reader = await open('read');
    const writer = await open('write');
    const a = Buffer.alloc(200_000, 7);
    const b = Buffer.alloc(70_000, 9);
    writer.sendBinary(a);
    writer.sendBinary(b);
    const m1 = await reader.nextMsg();
    const m2 = await reader.nextMsg();
    expect(m1.data.equals(a)).toBe(true);
    expect(m2.data.equals(b)).toBe(true);
  });

  it('echoes the writer close code and reason', async () => {
    const { open } = await channel();
    await open('read');
    const writer = await open('write');
    const c = await writer.close(4001, 'bye');
    expect(c).toEqual({ code: 4001, reason: 'bye' });
  });

  it('treats a writer socket that drops without Close as end of stream for the reader', async () => {
    const { open } = await channel();
    const reader = await open('read');
    const writer = await open('write');
    writer.send('last');
    await sleep(50);
    writer.terminate();
    expect((await reader.nextMsg()).text).toBe('last');
    expect((await reader.waitClose()).code).toBe(1005);
  });

  it('lets the writer connect first: data waits in the queue for the reader', async () => {
    const { open } = await channel();
    const writer = await open('write');
    writer.send('early-1');
    writer.send('early-2');
    await sleep(100);
    const reader = await open('read');
    expect((await reader.nextMsg()).text).toBe('early-1');
    expect((await reader.nextMsg()).text).toBe('early-2');
  });

  it('lets the reader connect first and wait', async () => {
    const { open } = await channel();
    const reader = await open('read');
    await reader.expectNoMsg(() => true, 100);
    const writer = await open('write');
    writer.send('hi');
    expect((await reader.nextMsg()).text).toBe('hi');
  });

  it('gives a reader that connects after the writer finished the queued frames, then Close 1005', async () => {
    const { open } = await channel();
    const writer = await open('write');
    writer.send('a');
    writer.sendBinary(Buffer.from('b'));
    await writer.close(1000);
    const reader = await open('read');
    expect((await reader.nextMsg()).text).toBe('a');
    expect((await reader.nextMsg()).data.toString()).toBe('b');
    expect((await reader.waitClose()).code).toBe(1005);
  });

  it('sends Close 1005 at once to a reader when the writer finished without data', async () => {
    const { open } = await channel();
    const writer = await open('write');
    await writer.close(1000);
    const reader = await open('read');
    expect((await reader.waitClose()).code).toBe(1005);
    expect(reader.received).toHaveLength(0);
  });

  it('never forwards frames the reader sends (§8 item 37)', async () => {
    const { open } = await channel();
    const reader = await open('read');
    const writer = await open('write');
    reader.send('from-reader');
    await writer.expectNoMsg(() => true, 200);
  });

  it('does not answer WebSocket pings on the reader side (§8 item 37)', async () => {
    const { open } = await channel();
    const reader = await open('read');
    let ponged = false;
    reader.ws.on('pong', () => {
      ponged = true;
    });
    reader.ws.ping();
    await sleep(250);
    expect(ponged).toBe(false);
  });

  it('does not answer the reader Close frame (§8 item 37)', async () => {
    const { open } = await channel();
    const reader = await open('read');
    reader.ws.close(1000, 'bye');
    await expect(reader.waitClose(400)).rejects.toThrow(/timed out/);
  });

  it('drops the writer without a Close frame once a forward to a departed reader fails (§4.4 [unsure])', async () => {
    const { open } = await channel();
    const reader = await open('read');
    const writer = await open('write');
    writer.send('first');
    expect((await reader.nextMsg()).text).toBe('first');
    reader.terminate();
    await sleep(50);
    for (let i = 0; i < 5; i++) {
      if (writer.isOpen) writer.send(`after-${i}`);
      await sleep(30);
    }
    const c = await writer.waitClose(2000);
    expect(c.code).toBe(1006);
  });

  it('carries two channels concurrently without mixing', async () => {
    const e = await h.engine();
    const w = await h.announced(e.url);
    const c1 = await w.call('engine::channels::create', {});
    const c2 = await w.call('engine::channels::create', {});
    const r1 = h.track(await openChannel(e.url, c1.reader, 'read'));
    const r2 = h.track(await openChannel(e.url, c2.reader, 'read'));
    const w1 = h.track(await openChannel(e.url, c1.writer, 'write'));
    const w2 = h.track(await openChannel(e.url, c2.writer, 'write'));
    for (let i = 0; i < 5; i++) {
      w1.send(`one-${i}`);
      w2.send(`two-${i}`);
    }
    await w1.close(1000);
    await w2.close(1000);
    for (let i = 0; i < 5; i++) {
      expect((await r1.nextMsg()).text).toBe(`one-${i}`);
      expect((await r2.nextMsg()).text).toBe(`two-${i}`);
    }
    expect((await r1.waitClose()).code).toBe(1005);
    expect((await r2.waitClose()).code).toBe(1005);
  });

  it('survives the creating worker disconnecting (ownerless channels)', async () => {
    const { w, open } = await channel();
    await w.close();
    const writer = await open('write');
    const reader = await open('read');
    writer.send('still');
    expect((await reader.nextMsg()).text).toBe('still');
  });
});

describe('one reader and one writer per channel (§4.3, §8 items 34, 36)', () => {
  it('accepts a second reader and immediately closes it with 1005', async () => {
    const { open } = await channel();
    const first = await open('read');
    const second = await open('read');
    expect((await second.waitClose()).code).toBe(1005);
    expect(first.isOpen).toBe(true);
  });

  it('accepts a second writer and immediately closes it with 1005', async () => {
    const { open } = await channel();
    const reader = await open('read');
    const first = await open('write');
    const second = await open('write');
    expect((await second.waitClose()).code).toBe(1005);
    first.send('from-first');
    expect((await reader.nextMsg()).text).toBe('from-first');
  });

  it('upgrades a socket for a finished channel (101) and closes it with 1005, never 404', async () => {
    const { e, refs, open } = await channel();
    const reader = await open('read');
    const writer = await open('write');
    await writer.close(1000);
    await reader.waitClose();
    const probe = await httpProbe(e.url, `/ws/channels/${refs.reader.channel_id}?key=${refs.reader.access_key}&dir=read`);
    expect(probe.status).toBe(101);
    const late = await open('write');
    expect((await late.waitClose()).code).toBe(1005);
    const lateReader = await open('read');
    expect((await lateReader.waitClose()).code).toBe(1005);
  });
});

describe('channel endpoint checks before upgrade (§4.2, §8 item 33)', () => {
  it('answers 404 Channel not found for an unknown channel id', async () => {
    const { e } = await channel();
    const r = await httpProbe(e.url, '/ws/channels/00000000-0000-4000-8000-000000000000?key=k&dir=read');
    expect(r.status).toBe(404);
    expect(r.body).toContain('Channel not found');
  });

  it('answers 404 for a wrong key', async () => {
    const { e, refs } = await channel();
    const r = await httpProbe(e.url, `/ws/channels/${refs.reader.channel_id}?key=wrong&dir=read`);
    expect(r.status).toBe(404);
  });

  it('answers 400 for a missing key', async () => {
    const { e, refs } = await channel();
    const r = await httpProbe(e.url, `/ws/channels/${refs.reader.channel_id}?dir=read`);
    expect(r.status).toBe(400);
  });

  it('answers 400 for a missing or invalid dir', async () => {
    const { e, refs } = await channel();
    const k = refs.reader.access_key as string;
    expect((await httpProbe(e.url, `/ws/channels/${refs.reader.channel_id}?key=${k}`)).status).toBe(400);
    expect((await httpProbe(e.url, `/ws/channels/${refs.reader.channel_id}?key=${k}&dir=READ`)).status).toBe(400);
  });

  it('checks the query before the channel id (unknown id + bad dir → 400)', async () => {
    const { e } = await channel();
    const r = await httpProbe(e.url, '/ws/channels/unknown?key=k&dir=sideways');
    expect(r.status).toBe(400);
  });

  it('URL-decodes the key', async () => {
    const { e, refs } = await channel();
    const k = encodeURIComponent(refs.reader.access_key as string).replace(/-/g, '%2D');
    const r = await httpProbe(e.url, `/ws/channels/${refs.reader.channel_id}?key=${k}&dir=read`);
    expect(r.status).toBe(101);
  });

  it('answers 400 for a channel request without upgrade headers', async () => {
    const { e, refs } = await channel();
    const r = await httpProbe(e.url, `/ws/channels/${refs.reader.channel_id}?key=${refs.reader.access_key}&dir=read`, { upgrade: false });
    expect(r.status).toBe(400);
  });
});

describe('orphan sweep (§4.5)', () => {
  it('removes a channel with a never-connected side after the TTL: later attempts get 404', async () => {
    const { e, refs } = await channel({ channelOrphanTtlMs: 100, channelSweepIntervalMs: 30 });
    await sleep(350);
    const r = await httpProbe(e.url, `/ws/channels/${refs.reader.channel_id}?key=${refs.reader.access_key}&dir=read`);
    expect(r.status).toBe(404);
  });

  it('closes a reader still waiting on a swept channel', async () => {
    const { open } = await channel({ channelOrphanTtlMs: 150, channelSweepIntervalMs: 30 });
    const reader = await open('read');
    const c = await reader.waitClose(2000);
    expect(c.code).toBeGreaterThan(0);
  });

  it('drops a writer still streaming into a swept channel', async () => {
    const { open } = await channel({ channelOrphanTtlMs: 150, channelSweepIntervalMs: 30 });
    const writer = await open('write');
    writer.send('into the void');
    const c = await writer.waitClose(2000);
    expect(c.code).toBeGreaterThan(0);
  });

  it('keeps a fully connected channel past the TTL', async () => {
    const { open } = await channel({ channelOrphanTtlMs: 100, channelSweepIntervalMs: 30 });
    const reader = await open('read');
    const writer = await open('write');
    await sleep(300);
    writer.send('alive');
    expect((await reader.nextMsg()).text).toBe('alive');
  });
});

describe('backpressure (§4.4)', () => {
  it('eventually stalls the writer when the reader does not read (buffer_size 1)', async () => {
    const { open } = await channel({}, { buffer_size: 1 });
    const reader = await open('read');
    // the reader stops reading its socket
    const rawReaderSocket = (reader.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    rawReaderSocket.pause();
    const writer = await open('write');
    const frame = Buffer.alloc(64 * 1024, 1);
    const total = 500; // ~33 MB: far more than socket buffers can hold
    let acked = 0;
    for (let i = 0; i < total; i++) {
      writer.ws.send(frame, { binary: true }, (err?: Error) => {
        if (!err) acked += 1;
      });
    }
    await sleep(1200);
    expect(writer.ws.bufferedAmount).toBeGreaterThan(0);
    expect(acked).toBeLessThan(total);
    // once the reader reads again everything arrives, in order and complete
    rawReaderSocket.resume();
    let received = 0;
    await withTimeout(
      (async () => {
        while (received < total) {
          const m = await reader.nextMsg(() => true, 5000);
          expect(m.data.length).toBe(frame.length);
          received += 1;
        }
      })(),
      15000,
      'all frames after resuming the reader',
    );
    expect(received).toBe(total);
  }, 20000);
});
