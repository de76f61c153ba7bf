/**
 * One end of a data channel in its own process, so a fault test can SIGKILL it mid-stream, and so
 * a writer that spins at 100 % shows up as missing timer ticks instead of freezing the test.
 *
 *   node --import tsx channel-peer.ts <mode> <engine url> <ref JSON> [options JSON]
 *
 * Modes:
 * - `write`: writes `totalBytes` (default: until killed) in `chunkBytes` chunks as fast as the
 *   channel takes them, then closes. Prints `WROTE <bytes>` after each MiB, `PENDING <ms>` when
 *   one write() has waited longer than 300 ms, `WRITE_REJECTED <json>` / `DONE <bytes>` at the end.
 * - `abort-exit`: like `write` until one write() waits (the socket's buffer is full), then
 *   `await writer.abort('writer stopped on purpose')`, prints `ABORT_RESOLVED` and exits at once.
 * - `read`: opens the reader, reads one chunk, prints `READING`, then reads nothing more (its
 *   socket stays open and full) until killed.
 * - `read-all`: reads as fast as it can, printing `READ <bytes>` after each 16 MiB, then
 *   `END <bytes>` or `READ_ERROR <json>`.
 * Every mode prints `TICK <n> <late ms>` every `tickMs` (50) from a timer, and answers `PING` on
 * stdin with `PONG`: both stop when the process's event loop is starved.
 */
import { ChannelReader, ChannelWriter, type StreamChannelRef } from '../../../platform/node/index.js';

const [mode, url, refJson, optionsJson] = process.argv.slice(2);
const ref = JSON.parse(refJson ?? '{}') as StreamChannelRef;
const options = JSON.parse(optionsJson ?? '{}') as { totalBytes?: number; chunkBytes?: number; tickMs?: number };
const say = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

const tickMs = options.tickMs ?? 50;
let ticks = 0;
let expected = Date.now() + tickMs;
setInterval(() => {
  const now = Date.now();
  say(`TICK ${++ticks} ${Math.max(0, now - expected)}`);
  expected = now + tickMs;
}, tickMs);

let stdin = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d: string) => {
  stdin += d;
  let i;
  while ((i = stdin.indexOf('\n')) >= 0) {
    const line = stdin.slice(0, i).trim();
    stdin = stdin.slice(i + 1);
    if (line === 'PING') say('PONG');
  }
});

function describe(error: unknown): string {
  const e = error as { name?: unknown; code?: unknown; message?: unknown };
  return JSON.stringify({ name: String(e?.name ?? ''), code: e?.code ?? null, message: String(e?.message ?? error) });
}

async function write(abortWhenFull: boolean): Promise<void> {
  const writer = new ChannelWriter(url!, ref);
  const w = writer.writable.getWriter();
  const chunkBytes = options.chunkBytes ?? 256 * 1024;
  const total = options.totalBytes ?? Number.POSITIVE_INFINITY;
  const chunk = new Uint8Array(chunkBytes);
  for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 31 + 7) & 0xff;
  let written = 0;
  let reported = 0;
  try {
    while (written < total) {
      const n = Math.min(chunkBytes, total - written);
      const started = Date.now();
      let settled = false;
      const pending = setTimeout(() => {
        if (!settled) say(`PENDING ${Date.now() - started}`);
      }, 300);
      const writing = w.write(n === chunkBytes ? chunk : chunk.subarray(0, n));
      if (abortWhenFull) {
        const full = await Promise.race([writing.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 300))]);
        if (full) {
          writing.catch(() => undefined);
          await writer.abort('writer stopped on purpose');
          say('ABORT_RESOLVED');
          process.exit(0);
        }
      } else {
        await writing;
      }
      settled = true;
      clearTimeout(pending);
      written += n;
      if (written - reported >= 1024 * 1024) {
        reported = written;
        say(`WROTE ${written}`);
      }
    }
    await w.close();
    say(`DONE ${written}`);
  } catch (error) {
    say(`WRITE_REJECTED ${describe(error)}`);
  }
}

async function read(): Promise<void> {
  const reader = new ChannelReader(url!, ref);
  const r = reader.readable.getReader();
  await r.read();
  say('READING');
}

async function readAll(): Promise<void> {
  const reader = new ChannelReader(url!, ref);
  const r = reader.readable.getReader();
  let bytes = 0;
  let reported = 0;
  try {
    for (;;) {
      const { done, value } = await r.read();
      if (done) break;
      bytes += value.byteLength;
      if (bytes - reported >= 16 * 1024 * 1024) {
        reported = bytes;
        say(`READ ${bytes}`);
      }
    }
    say(`END ${bytes}`);
  } catch (error) {
    say(`READ_ERROR ${describe(error)}`);
  }
}

if (mode === 'write') void write(false);
else if (mode === 'read-all') void readAll();
else if (mode === 'abort-exit') void write(true);
else if (mode === 'read') void read();
else {
  say(`BAD_MODE ${mode}`);
  process.exit(2);
}
