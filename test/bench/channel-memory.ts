// Channel memory and throughput bench (not a test): one writer streams N MiB through the
// reference engine to one reader, in this process, and the script prints peak RSS / heap /
// ArrayBuffer memory and MB/s.
//
//   npx tsx test/bench/channel-memory.ts                 # 256 MiB, slow consumer, then fast
//   npx tsx test/bench/channel-memory.ts --mib 64 --slow-mbps 40
//   npx tsx test/bench/channel-memory.ts --no-pause      # reader transport without pause()
//   npx tsx test/bench/channel-memory.ts --unmetered     # writer without bufferedAmount (workerd-like)
//   npx tsx test/bench/channel-memory.ts --unmetered --rate-mbps 128
//   npx tsx test/bench/channel-memory.ts --workerd --mib 128 --slow-mbps 16
//        # the writer runs inside workerd (miniflare); prints workerd's peak RSS
//
// Everything (engine, writer, reader) shares this process, so the peaks bound the sum of all
// three; with backpressure working they stay flat however large --mib is.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startEngine } from '../engine/index.js';
import { createNodePlatform } from '../../platform/node/platform.js';
import { ChannelReader, ChannelWriter } from '../../src/channels/index.js';
import type { Platform } from '../../src/platform.js';
import { ChannelFactory, patternBytes } from '../channels/helpers.js';

const MiB = 1024 * 1024;

interface Peaks {
  rss: number;
  heapUsed: number;
  arrayBuffers: number;
}

function sampler(): { peaks: Peaks; stop(): void } {
  const peaks: Peaks = { rss: 0, heapUsed: 0, arrayBuffers: 0 };
  const sample = (): void => {
    const m = process.memoryUsage();
    peaks.rss = Math.max(peaks.rss, m.rss);
    peaks.heapUsed = Math.max(peaks.heapUsed, m.heapUsed);
    peaks.arrayBuffers = Math.max(peaks.arrayBuffers, m.arrayBuffers);
  };
  sample();
  const timer = setInterval(sample, 20);
  return { peaks, stop: () => (clearInterval(timer), sample()) };
}

/** Wraps a platform: optionally hides pause/bufferedAmount, and records the real socket backlog. */
function instrumented(base: Platform, opts: { hidePause: boolean; hideBuffered: boolean }) {
  const stats = { peakRealBuffered: 0, pauses: 0 };
  const platform: Platform = {
    ...base,
    connect: (url, options, handlers) => {
      const inner = base.connect(url, options, handlers);
      return {
        send: (data) => {
          inner.send(data);
          stats.peakRealBuffered = Math.max(stats.peakRealBuffered, inner.bufferedAmount() ?? 0);
        },
        close: (code, reason) => inner.close(code, reason),
        bufferedAmount: () => (opts.hideBuffered ? undefined : inner.bufferedAmount()),
        ...(opts.hidePause
          ? {}
          : {
              pause: () => {
                stats.pauses++;
                inner.pause?.();
              },
              resume: () => inner.resume?.(),
            }),
      };
    },
  };
  return { platform, stats };
}

async function run(label: string, mib: number, slowMbps: number, flags: { noPause: boolean; unmetered: boolean; rateMbps?: number }) {
  const engine = await startEngine({ port: 0 });
  const factory = await ChannelFactory.connect(engine.url);
  const pair = await factory.create(64);
  const base = createNodePlatform();
  const readSide = instrumented(base, { hidePause: flags.noPause, hideBuffered: false });
  const writeSide = instrumented(base, { hidePause: false, hideBuffered: flags.unmetered });
  const reader = new ChannelReader(engine.url, pair.reader, { platform: readSide.platform });
  const writer = new ChannelWriter(engine.url, pair.writer, {
    platform: writeSide.platform,
    ...(flags.rateMbps ? { unmeteredBytesPerSecond: flags.rateMbps * MiB } : {}),
  });

  global.gc?.();
  const mem = sampler();
  const started = performance.now();
  const block = patternBytes(MiB, 9);
  const sent = createHash('sha256');
  const received = createHash('sha256');

  const writing = (async () => {
    const w = writer.writable.getWriter();
    for (let i = 0; i < mib; i++) {
      await w.ready;
      sent.update(block);
      await w.write(block);
    }
    await w.close();
  })();

  let bytes = 0;
  const reading = (async () => {
    const r = reader.readable.getReader();
    let debt = 0;
    for (;;) {
      const { done, value } = await r.read();
      if (done) break;
      received.update(value);
      bytes += value.byteLength;
      if (slowMbps > 0) {
        // Slow consumer: sleep so the average rate stays near slowMbps.
        debt += value.byteLength / (slowMbps * MiB) * 1000;
        if (debt >= 10) {
          await new Promise((res) => setTimeout(res, debt));
          debt = 0;
        }
      }
    }
  })();

  await Promise.all([writing, reading]);
  const seconds = (performance.now() - started) / 1000;
  mem.stop();
  const ok = sent.digest('hex') === received.digest('hex') && bytes === mib * MiB;
  const f = (n: number) => `${(n / MiB).toFixed(1)} MiB`;
  console.log(
    `${label.padEnd(34)} ${mib} MiB in ${seconds.toFixed(2)} s = ${(bytes / MiB / seconds).toFixed(1)} MB/s | ` +
      `peak rss ${f(mem.peaks.rss)}, heapUsed ${f(mem.peaks.heapUsed)}, arrayBuffers ${f(mem.peaks.arrayBuffers)} | ` +
      `reader pauses ${readSide.stats.pauses}, writer real socket backlog peak ${f(writeSide.stats.peakRealBuffered)} | ` +
      `sha-256 ${ok ? 'match' : 'MISMATCH'}`,
  );
  factory.close();
  await engine.close();
  if (!ok) process.exitCode = 1;
}

/** RSS of this process's workerd children (miniflare spawns one), from /proc; 0 if none. */
function workerdRss(): number {
  let total = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) !== process.pid || !stat.includes('workerd')) continue;
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      total += rss ? Number(rss[1]) * 1024 : 0;
    } catch {
      // The process ended while we looked.
    }
  }
  return total;
}

/** The writer inside workerd (no bufferedAmount), the reader here, consuming at slowMbps. */
async function runWorkerd(mib: number, slowMbps: number, rateMbps: number | undefined): Promise<void> {
  const esbuild = await import('esbuild');
  const { Miniflare } = await import('miniflare');
  const here = path.dirname(fileURLToPath(import.meta.url));
  const bundle = await esbuild.build({
    entryPoints: [path.join(here, '../channels/workerd-writer.ts')],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    write: false,
    logLevel: 'error',
  });
  const engine = await startEngine({ port: 0 });
  const factory = await ChannelFactory.connect(engine.url);
  const pair = await factory.create(64);
  const mf = new Miniflare({ modules: true, script: bundle.outputFiles[0]?.text ?? '', compatibilityDate: '2026-04-01' });
  await mf.ready;
  const idle = workerdRss();
  let peak = idle;
  const timer = setInterval(() => (peak = Math.max(peak, workerdRss())), 50);
  const started = performance.now();
  const query = new URLSearchParams({
    engine: engine.url,
    ref: JSON.stringify(pair.writer),
    mib: String(mib),
    rate: String((rateMbps ?? 0) * MiB),
  });
  const writing = mf.dispatchFetch(`http://worker/?${query}`).then((r) => r.text());
  const reader = new ChannelReader(engine.url, pair.reader, { platform: createNodePlatform() });
  const r = reader.readable.getReader();
  let bytes = 0;
  let debt = 0;
  for (;;) {
    const { done, value } = await r.read();
    if (done) break;
    bytes += value.byteLength;
    if (slowMbps > 0) {
      debt += (value.byteLength / (slowMbps * MiB)) * 1000;
      if (debt >= 10) {
        await new Promise((res) => setTimeout(res, debt));
        debt = 0;
      }
    }
  }
  const result = await writing;
  const seconds = (performance.now() - started) / 1000;
  clearInterval(timer);
  console.log(
    `workerd writer${rateMbps ? ` cap ${rateMbps} MB/s` : ' (default cap)'}, reader ${slowMbps > 0 ? `${slowMbps} MB/s` : 'fast'}: ` +
      `${(bytes / MiB).toFixed(0)}/${mib} MiB in ${seconds.toFixed(2)} s = ${(bytes / MiB / seconds).toFixed(1)} MB/s | ` +
      `workerd rss idle ${(idle / MiB).toFixed(1)} MiB, peak ${(peak / MiB).toFixed(1)} MiB | worker said ${result}`,
  );
  await mf.dispose();
  factory.close();
  await engine.close();
}

const { values } = parseArgs({
  options: {
    mib: { type: 'string', default: '256' },
    'slow-mbps': { type: 'string', default: '64' },
    'no-pause': { type: 'boolean', default: false },
    unmetered: { type: 'boolean', default: false },
    'rate-mbps': { type: 'string' },
    workerd: { type: 'boolean', default: false },
  },
});
const mib = Number(values.mib);
const flags = {
  noPause: values['no-pause'] ?? false,
  unmetered: values.unmetered ?? false,
  rateMbps: values['rate-mbps'] ? Number(values['rate-mbps']) : undefined,
};
const suffix =
  `${flags.noPause ? ' no-pause' : ''}${flags.unmetered ? ' unmetered' : ''}` +
  `${flags.rateMbps ? ` cap ${flags.rateMbps} MB/s` : ''}`;
console.log(`node ${process.version}, baseline rss ${(process.memoryUsage().rss / MiB).toFixed(1)} MiB`);
if (values.workerd) {
  await runWorkerd(mib, Number(values['slow-mbps']), flags.rateMbps);
  await runWorkerd(mib, 0, flags.rateMbps);
} else {
  await run(`slow consumer (${values['slow-mbps']} MB/s)${suffix}`, mib, Number(values['slow-mbps']), flags);
  await run(`fast consumer${suffix}`, mib, 0, flags);
}
