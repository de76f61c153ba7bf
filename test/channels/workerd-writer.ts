// A Cloudflare Worker used by `test/bench/channel-memory.ts --workerd`: it writes N MiB into a
// channel with the workers platform (no bufferedAmount, docs/runtimes.md "Runtime facts") so the bench
// can watch workerd's memory while a slow reader in Node drains the channel.
import { ChannelWriter } from '../../src/channels/index.js';
import { createWorkersPlatform } from '../../platform/workers/platform.js';

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const engine = url.searchParams.get('engine') ?? '';
    const ref = JSON.parse(url.searchParams.get('ref') ?? 'null');
    const mib = Number(url.searchParams.get('mib') ?? '16');
    const rate = Number(url.searchParams.get('rate') ?? '0');
    const writer = new ChannelWriter(engine, ref, {
      platform: createWorkersPlatform(),
      ...(rate > 0 ? { unmeteredBytesPerSecond: rate } : {}),
    });
    // A fresh copy per MiB (slice = memcpy, cheap): if workerd queued frames by reference to one
    // reused buffer, its memory would not show how much is queued.
    const template = new Uint8Array(1024 * 1024);
    for (let i = 0; i < template.length; i++) template[i] = (i * 31 + 7) & 0xff;
    const makeBlock = (seed: number): Uint8Array => {
      const block = template.slice();
      block[0] = seed & 0xff;
      return block;
    };
    const started = Date.now();
    const w = writer.writable.getWriter();
    for (let i = 0; i < mib; i++) {
      await w.ready;
      await w.write(makeBlock(i));
    }
    const wroteMs = Date.now() - started;
    await w.close();
    return Response.json({ wroteMs, closedMs: Date.now() - started });
  },
};
