// §2.1 size limits, at their boundaries: 16 MiB per WebSocket frame and 64 MiB per message (the
// defaults of tungstenite 0.29, which the real engine does not change), on worker sockets and on
// channel sockets alike. Too large is a read error: the socket is dropped without a Close frame
// (a `ws` client reports 1006).
import { describe, expect, it } from 'vitest';
import { useHarness } from './harness';
import { openChannel, type RawSocket } from './raw-client';

const h = useHarness();
const MiB = 1024 * 1024;
const FRAME = 16 * MiB;
const MESSAGE = 64 * MiB;

/** A `{"type":"ping"}` frame padded to exactly `bytes` bytes of JSON text. */
function pingOf(bytes: number): string {
  const shell = JSON.stringify({ type: 'ping', pad: '' });
  return JSON.stringify({ type: 'ping', pad: 'x'.repeat(bytes - shell.length) });
}

/** Sends `text` as one message in fragments of at most `frame` bytes (the first a text frame). */
function sendFragmented(s: RawSocket, text: string | Buffer, frame: number): void {
  for (let at = 0; at < text.length; at += frame) {
    const part = text.slice(at, at + frame);
    s.ws.send(part, { fin: at + frame >= text.length, binary: Buffer.isBuffer(text) });
  }
}

async function worker() {
  const e = await h.engine();
  return h.announced(e.url);
}

/** Waits for the pong, or for the socket to be dropped; says which. */
async function pongOrDrop(s: RawSocket): Promise<'pong' | number> {
  return Promise.race([s.nextType('pong', () => true, 15_000).then(() => 'pong' as const), s.waitClose(15_000).then((c) => c.code)]);
}

describe('size limits on a worker socket (§2.1)', () => {
  it('accepts one frame of exactly 16 MiB', async () => {
    const w = await worker();
    w.send(pingOf(FRAME));
    expect(await pongOrDrop(w)).toBe('pong');
  });

  it('drops the socket without a Close frame for one frame of 16 MiB + 1 byte', async () => {
    const w = await worker();
    w.send(pingOf(FRAME + 1));
    expect(await pongOrDrop(w)).toBe(1006);
  });

  it('accepts a message of exactly 64 MiB in four frames of 16 MiB', async () => {
    const w = await worker();
    sendFragmented(w, pingOf(MESSAGE), FRAME);
    expect(await pongOrDrop(w)).toBe('pong');
  });

  it('drops the socket for a message of 64 MiB + 1 byte, every frame within 16 MiB', async () => {
    const w = await worker();
    sendFragmented(w, pingOf(MESSAGE + 1), FRAME);
    expect(await pongOrDrop(w)).toBe(1006);
  });

  it('drops the socket for a frame of 16 MiB + 1 byte inside a message under 64 MiB', async () => {
    const w = await worker();
    const text = pingOf(20 * MiB);
    w.ws.send(text.slice(0, 1 * MiB), { fin: false });
    w.ws.send(text.slice(1 * MiB, 17 * MiB + 1), { fin: false });
    w.ws.send(text.slice(17 * MiB + 1), { fin: true });
    expect(await pongOrDrop(w)).toBe(1006);
  });
});

describe('size limits on a channel socket (§2.1, §4.3)', () => {
  async function channel() {
    const e = await h.engine();
    const w = await h.announced(e.url);
    const refs = await w.call('engine::channels::create', {});
    const reader = h.track(await openChannel(e.url, refs.reader, 'read'));
    const writer = h.track(await openChannel(e.url, refs.writer, 'write'));
    return { reader, writer };
  }

  it('forwards a 24 MiB binary message sent in two frames of 12 MiB as one message', async () => {
    const { reader, writer } = await channel();
    const data = Buffer.alloc(24 * MiB, 7);
    data[data.length - 1] = 9;
    sendFragmented(writer, data, 12 * MiB);
    const m = await reader.nextMsg(() => true, 15_000, 'the 24 MiB message');
    expect({ binary: m.binary, length: m.data.length, last: m.data[m.data.length - 1] }).toEqual({ binary: true, length: 24 * MiB, last: 9 });
  });

  it("drops the writer's socket for a frame of 16 MiB + 1 byte; nothing reaches the reader", async () => {
    const { reader, writer } = await channel();
    writer.sendBinary(Buffer.alloc(FRAME + 1));
    expect((await writer.waitClose(15_000)).code).toBe(1006);
    await reader.expectNoMsg(() => true, 300);
  });
});
