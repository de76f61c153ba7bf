// The report: machine facts, tables, ratios beside their targets.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { CLIENT_LABEL, median, type ClientKind } from './common.js';
import type { ColdStats, ColdWorkerdStats } from './cold.js';
import type { LatencySplit } from './latency.js';
import type { MillionResult, PendingResult } from './memory.js';
import type { SizeRow } from './size.js';
import type { RoundStats } from './speed.js';

export interface Report {
  meta: Record<string, unknown> & { quick: boolean; channelBytes: number };
  seq?: Record<string, RoundStats>;
  pipe?: Record<number, Record<string, RoundStats>>;
  channel?: Partial<Record<'toCaller' | 'toWorker', Record<string, RoundStats>>>;
  split?: Record<string, LatencySplit>;
  pending?: Record<string, PendingResult>;
  million?: Record<string, MillionResult>;
  coldNode?: Record<string, ColdStats>;
  coldWorkerd?: Record<string, ColdWorkerdStats | { error: string }>;
  size?: SizeRow[];
  stderrLines?: Record<string, number>;
  targets?: Target[];
  /** Scenarios that failed, with their error. */
  errors?: Record<string, string>;
}

export interface Target {
  what: string;
  value: number;
  target: string;
  met: boolean | null;
}

export function machineInfo(): Record<string, unknown> {
  let cpu = os.cpus()[0]?.model ?? 'unknown';
  try {
    const m = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpu = m[1]!.trim();
  } catch {
    // not Linux
  }
  return { node: process.version, nproc: os.availableParallelism?.() ?? os.cpus().length, cpu, platform: `${os.platform()} ${os.release()} ${os.arch()}`, memGiB: Math.round(os.totalmem() / 2 ** 30) };
}

/** The load average (1, 5, 15 min) as `uptime` prints it: how busy the shared machine was. */
export function loadAverage(): string {
  return os.loadavg().map((l) => l.toFixed(2)).join(', ');
}

const KINDS: ClientKind[] = ['ours', 'oursB', 'raw', 'official', 'officialDefault'];

function fmt(n: number | undefined, digits = 0): string {
  if (n === undefined || !Number.isFinite(n)) return '-';
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function table(rows: string[][], out: (s: string) => void): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  rows.forEach((r, idx) => {
    out('  ' + r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
    if (idx === 0) out('  ' + widths.map((w) => '-'.repeat(w)).join('  '));
  });
}

/**
 * Median over rounds of (ours in round i) / (other in round i). Rounds i of two clients ran
 * back to back, so a load burst on the shared machine hits both sides of each pair; this is
 * the ratio compared with the targets.
 */
export function pairedRatio(ours: RoundStats | undefined, other: RoundStats | undefined): number {
  if (!ours || !other) return NaN;
  const n = Math.min(ours.rates.length, other.rates.length);
  if (n === 0) return NaN;
  return median(Array.from({ length: n }, (_, i) => ours.rates[i]! / other.rates[i]!));
}

/**
 * Median over rounds of (ours CPU per unit in round i) / (other's in round i): our CPU cost as a
 * multiple of the other client's, paired like `pairedRatio` (the figure compared with the CPU targets).
 */
export function pairedCpuRatio(ours: RoundStats | undefined, other: RoundStats | undefined): number {
  if (!ours || !other) return NaN;
  const n = Math.min(ours.cpus.length, other.cpus.length);
  if (n === 0) return NaN;
  return median(Array.from({ length: n }, (_, i) => ours.cpus[i]! / other.cpus[i]!));
}

/**
 * The rate ratio a CPU-bound client would reach: the other client's CPU per unit over ours.
 * It does not depend on the engine, so it still separates clients when the engine saturates.
 */
export function cpuRatio(ours: RoundStats | undefined, other: RoundStats | undefined): number {
  if (!ours || !other || !(ours.clientCpu > 0)) return NaN;
  return other.clientCpu / ours.clientCpu;
}

/** Computes every target named in the benchmark issue from the figures. */
export function computeTargets(r: Report): Target[] {
  const t: Target[] = [];
  const inv: Array<[string, Record<string, RoundStats> | undefined]> = [
    ['sequential', r.seq],
    ['pipelined 64', r.pipe?.[64]],
    ['pipelined 256', r.pipe?.[256]],
  ];
  for (const me of ['ours', 'oursB'] as const) {
    const who = me === 'ours' ? 'ours' : 'B build';
    for (const [name, s] of inv) {
      if (!s?.[me]) continue;
      const add = (other: ClientKind, min: number): void => {
        if (!s[other]) return;
        const v = pairedRatio(s[me], s[other]);
        t.push({ what: `${name} calls/s, ${who} / ${CLIENT_LABEL[other]}`, value: v, target: `>= ${min.toFixed(1)}x`, met: Number.isFinite(v) ? v >= min : null });
      };
      add('raw', 0.9);
      add('official', 1.0);
      add('officialDefault', 1.5);
      // Client CPU per call (issue 16): at most 1.1x the floor's sequential, 1.05x pipelined, and
      // below iii-sdk with telemetry off on every row.
      const cpuAdd = (other: ClientKind, max: number, strict: boolean): void => {
        if (!s[other]) return;
        const v = pairedCpuRatio(s[me], s[other]);
        const target = strict ? `< ${max.toFixed(2)}x` : `<= ${max.toFixed(2)}x`;
        t.push({ what: `${name} client CPU/call, ${who} / ${CLIENT_LABEL[other]}`, value: v, target, met: Number.isFinite(v) ? (strict ? v < max : v <= max) : null });
      };
      cpuAdd('raw', name === 'sequential' ? 1.1 : 1.05, false);
      cpuAdd('official', 1, true);
    }
    for (const dir of ['toCaller', 'toWorker'] as const) {
      const s = r.channel?.[dir];
      if (!s?.[me] || !s.raw) continue;
      // Issue 16: rate at least 0.9x the floor; client CPU per MB at most 1.2x the floor's and
      // below iii-sdk with telemetry off.
      const name = `channel ${dir === 'toCaller' ? 'worker->caller' : 'caller->worker'}`;
      const v = pairedRatio(s[me], s.raw);
      t.push({ what: `${name} MB/s, ${who} / raw`, value: v, target: '>= 0.9x', met: Number.isFinite(v) ? v >= 0.9 : null });
      const c = pairedCpuRatio(s[me], s.raw);
      t.push({ what: `${name} client CPU/MB, ${who} / raw`, value: c, target: '<= 1.20x', met: Number.isFinite(c) ? c <= 1.2 : null });
      if (s.official) {
        const o = pairedCpuRatio(s[me], s.official);
        t.push({ what: `${name} client CPU/MB, ${who} / ${CLIENT_LABEL.official}`, value: o, target: '< 1.00x', met: Number.isFinite(o) ? o < 1 : null });
      }
    }
  }
  if (r.pending?.ours) {
    t.push({ what: 'heap per pending call, caller side (bytes)', value: r.pending.ours.callerBytesPerCall, target: '<= 640', met: r.pending.ours.callerBytesPerCall <= 640 });
    t.push({ what: 'heap per in-flight call, worker side (bytes)', value: r.pending.ours.workerBytesPerCall, target: '< 1024', met: r.pending.ours.workerBytesPerCall < 1024 });
  }
  if (r.million?.ours) {
    const m = r.million.ours;
    const growth = m.callerHeapGrowth + m.workerHeapGrowth;
    t.push({ what: `heap growth ${fmt(m.samples[1]!.calls)} -> ${fmt(m.total)} calls (bytes)`, value: growth, target: '< 1 MiB (no growth)', met: growth < 1024 * 1024 });
  }
  for (const page of r.size ?? []) {
    t.push({ what: `page ${page.label}: JavaScript fetched, gzip (bytes)`, value: page.bytes, target: `<= ${page.target}`, met: page.bytes <= page.target });
  }
  return t;
}

export function printReport(r: Report, out: (s: string) => void): void {
  const m = r.meta;
  r.targets ??= computeTargets(r);
  out('');
  out(`iii-isomorphic benchmarks (${m.quick ? 'quick' : 'full'} run, ${m.elapsedS} s) — ${m.date}`);
  out(`  machine: ${m.nproc} cores, ${m.cpu}, ${m.memGiB} GiB, ${m.platform}, node ${m.node}`);
  out(`  engine: ${m.engineName ?? 'reference engine (test/engine), own process'} at ${m.engineUrl}; each client = caller process + worker process`);
  if (m.loadAvgStart) out(`  load average (1/5/15 min): ${m.loadAvgStart} at the start, ${m.loadAvgEnd ?? '?'} at the end`);
  out('  (other jobs share this machine: CPU per call is the robust figure)');
  out(`  ours = ${m.oursEntry}${m.oursBEntry ? `; B build = ${m.oursBEntry}` : ''}; command: ${m.command}`);
  if (m.floorBallastMiB) out(`  DIAGNOSTIC: the raw floor's processes hold ${String(m.floorBallastMiB)} MiB of extra live heap (--floor-ballast-mib)`);
  out('  rounds are interleaved across clients; every figure is the median over rounds.');
  out('  "ours / this" = median over rounds of the paired rate ratio (the figure compared with targets);');
  out('  "by CPU" = this client\'s CPU per call (or per MB) / ours: the ratio if both were CPU-bound.');

  const kinds = KINDS.filter((k) => (m.clients as string[]).includes(k));
  const invRows = (name: string, s: Record<string, RoundStats> | undefined, withLat: boolean): string[][] =>
    s
      ? kinds
          .filter((k) => s[k])
          .map((k) => {
            const x = s[k]!;
            return [
              name,
              CLIENT_LABEL[k],
              fmt(x.rate),
              withLat ? fmt(x.p50Us) : '',
              withLat ? fmt(x.p99Us) : '',
              fmt(x.clientCpu, 1),
              fmt(x.engineCpu, 1),
              `${fmt(x.engineBusy * 100)}%`,
              k === 'ours' ? '' : fmt(pairedRatio(s.ours, x), 2) + 'x',
              k === 'ours' ? '' : fmt(cpuRatio(s.ours, x), 2) + 'x',
            ];
          })
      : [];
  if (r.seq || r.pipe) {
    out('');
    out(`Invocations caller -> engine -> worker -> engine -> caller (${(m.sizes as Record<string, number>).seqN} sequential / ${(m.sizes as Record<string, number>).pipeN} pipelined calls per round)`);
    table(
      [
        ['scenario', 'client', 'calls/s', 'p50 us', 'p99 us', 'client CPU us/call', 'engine CPU us/call', 'engine busy', 'ours / this', 'by CPU'],
        ...invRows('sequential', r.seq, true),
        ...invRows('pipelined 64', r.pipe?.[64], false),
        ...invRows('pipelined 256', r.pipe?.[256], false),
      ],
      out,
    );
  }
  if (r.split) printSplit(r.split, kinds, (m.sizes as Record<string, number>).splitN!, out);
  if (r.channel) {
    out('');
    out(`Channels, ${fmt(m.channelBytes / 2 ** 20)} MiB per transfer (MB = 10^6 bytes)`);
    const rows: string[][] = [['direction', 'client', 'MB/s', 'client CPU ms/MB', 'engine CPU ms/MB', 'engine busy', 'ours / this', 'by CPU']];
    for (const dir of ['toCaller', 'toWorker'] as const) {
      const s = r.channel[dir];
      if (!s) continue;
      for (const k of kinds) {
        const x = s[k];
        if (!x) continue;
        rows.push([
          dir === 'toCaller' ? 'worker -> caller' : 'caller -> worker',
          CLIENT_LABEL[k],
          fmt(x.rate, 1),
          fmt(x.clientCpu, 2),
          fmt(x.engineCpu, 2),
          `${fmt(x.engineBusy * 100)}%`,
          k === 'ours' ? '' : fmt(pairedRatio(s.ours, x), 2) + 'x',
          k === 'ours' ? '' : fmt(cpuRatio(s.ours, x), 2) + 'x',
        ]);
      }
    }
    table(rows, out);
  }
  if (r.pending) {
    out('');
    out(`Memory: heap per pending call (${fmt(Object.values(r.pending)[0]?.n)} pending, heapUsed after gc, after - before)`);
    table(
      [
        ['client', 'caller B/call', 'worker B/call', 'caller RSS B/call', 'worker RSS B/call'],
        ...kinds.filter((k) => r.pending![k]).map((k) => {
          const x = r.pending![k]!;
          return [CLIENT_LABEL[k], fmt(x.callerBytesPerCall), fmt(x.workerBytesPerCall), fmt(x.callerRssPerCall), fmt(x.workerRssPerCall)];
        }),
      ],
      out,
    );
  }
  if (r.million) {
    const any = Object.values(r.million)[0];
    out('');
    out(`Memory over ${fmt(any?.total)} calls (pipelined ${any?.depth} in flight; heap after gc / RSS, MiB, caller + worker processes)`);
    const mib = (b: number): string => fmt(b / 2 ** 20, 1);
    const head = ['client', 'calls/s', ...(any?.samples ?? []).map((s) => `@${s.calls >= 1000 ? fmt(s.calls / 1000) + 'k' : s.calls} heap/rss`), 'growth B/call'];
    table(
      [
        head,
        ...kinds.filter((k) => r.million![k]).map((k) => {
          const x = r.million![k]!;
          return [CLIENT_LABEL[k], fmt(x.callsPerSec), ...x.samples.map((s) => `${mib(s.callerHeap + s.workerHeap)}/${mib(s.callerRss + s.workerRss)}`), fmt(x.growthBytesPerCall, 3)];
        }),
      ],
      out,
    );
  }
  if (r.coldNode || r.coldWorkerd) {
    out('');
    out('Cold start: registerWorker -> first trigger result (median ms)');
    const rows: string[][] = [['runtime', 'client', 'first result ms', 'import ms', 'process start -> result ms', 'samples']];
    for (const k of kinds) {
      const x = r.coldNode?.[k];
      if (x) rows.push(['node (fresh process)', CLIENT_LABEL[k] + (x.note ? ` (${x.note})` : ''), fmt(x.firstMs, 1), fmt(x.importMs, 1), fmt(x.processMs, 1), String(x.samples)]);
    }
    for (const [name, x] of Object.entries(r.coldWorkerd ?? {})) {
      const label = name === 'ours' ? CLIENT_LABEL.ours : 'raw fetch-upgrade floor';
      if ('error' in x) rows.push(['workerd (miniflare)', label, `error: ${x.error.slice(0, 60)}`, '', '', '0']);
      else rows.push(['workerd (miniflare)', label, fmt(x.firstMs, 0), '', `${fmt(x.firstRequestMs, 0)} (request), ${fmt(x.bootMs, 0)} (boot)`, String(x.samples)]);
    }
    table(rows, out);
  }
  if (r.size) {
    out('');
    out('Size: the JavaScript each page of e2e/size downloads, gzip as served, in Chromium (npm run size)');
    table([['page', 'files', 'bytes', 'target'], ...r.size.map((s) => [s.label, String(s.files), fmt(s.bytes), fmt(s.target)])], out);
  }
  // Results the engine never delivered (only through an engine that loses them; lost-calls.ts).
  const lost: string[] = [];
  const scenarios: Array<[string, Record<string, RoundStats> | undefined]> = [
    ['sequential', r.seq],
    ['pipelined 64', r.pipe?.[64]],
    ['pipelined 256', r.pipe?.[256]],
  ];
  for (const [name, s] of scenarios) for (const k of kinds) if (s?.[k]?.lost) lost.push(`${name} ${CLIENT_LABEL[k]} ${s[k]!.lost}`);
  for (const k of kinds) if (r.million?.[k]?.lost) lost.push(`heap/RSS run ${CLIENT_LABEL[k]} ${r.million[k]!.lost}`);
  if (lost.length) {
    out('');
    out(`Lost calls (the engine never delivered the result; left out of the figures with the time they stalled): ${lost.join('; ')}.`);
  }
  // The engine's own cost, measured with the raw clients only.
  const eng: string[] = [];
  if (r.seq?.raw) eng.push(`sequential ${fmt(r.seq.raw.engineCpu, 1)} us/call (busy ${fmt(r.seq.raw.engineBusy * 100)}%)`);
  if (r.pipe?.[64]?.raw) eng.push(`pipelined 64 ${fmt(r.pipe[64].raw.engineCpu, 1)} us/call (busy ${fmt(r.pipe[64].raw.engineBusy * 100)}%)`);
  if (r.pipe?.[256]?.raw) eng.push(`pipelined 256 ${fmt(r.pipe[256].raw.engineCpu, 1)} us/call (busy ${fmt(r.pipe[256].raw.engineBusy * 100)}%)`);
  if (r.channel?.toCaller?.raw) eng.push(`channel ${fmt(r.channel.toCaller.raw.engineCpu, 2)} ms/MB (busy ${fmt(r.channel.toCaller.raw.engineBusy * 100)}%)`);
  if (eng.length) {
    out('');
    out(`Engine's own cost with the raw clients: ${eng.join('; ')}.`);
    out('  An engine busy near 100% means the engine, not the client, bounds the rate: ratios then understate gaps.');
  }
  // Ratios against a ballasted floor are a diagnostic (host.ts): no target is judged on them.
  if (r.targets.length && m.floorBallastMiB) {
    out('');
    out('Targets: not judged in a run with --floor-ballast-mib (the floor is not the raw floor then).');
  } else if (r.targets.length) {
    out('');
    out('Targets');
    table(
      [['what', 'value', 'target', 'status'], ...r.targets.map((t) => [t.what, fmt(t.value, Math.abs(t.value) < 10 ? 3 : 0), t.target, t.met === null ? 'n/a' : t.met ? 'met' : 'MISSED'])],
      out,
    );
  }
  for (const [name, message] of Object.entries(r.errors ?? {})) out(`\nFAILED ${name}: ${message.split('\n')[0]}`);
  const noisy = Object.entries(r.stderrLines ?? {}).filter(([, n]) => n > 0);
  if (noisy.length) out(`\nstderr lines written by children: ${noisy.map(([k, n]) => `${k} ${n}`).join(', ')}`);
}

/** Where one sequential call's time goes, per process, and what this SDK adds to each part over the floor. */
function printSplit(split: Record<string, LatencySplit>, kinds: ClientKind[], n: number, out: (s: string) => void): void {
  out('');
  out(`Latency split of one sequential call (median us; ${fmt(n)} calls per round, own engine, one client calling at a time)`);
  out('  caller = result in -> next invoke out; worker = invoke in -> result out; engine = both of its hops;');
  out('  wire = the rest of the p50: 4 socket hops through the kernel and loopback, and the wake-ups of 3 processes.');
  const rows: string[][] = [['client', 'p50', 'caller', 'worker', 'engine', 'wire', 'client CPU us/call']];
  const show = kinds.filter((k) => split[k]);
  for (const k of show) {
    const x = split[k]!;
    rows.push([CLIENT_LABEL[k], fmt(x.p50Us, 1), fmt(x.callerUs, 1), fmt(x.workerUs, 1), fmt(x.engineUs, 1), fmt(x.wireUs, 1), fmt(x.clientCpuUs, 1)]);
  }
  const ours = split.ours;
  const raw = split.raw;
  if (ours && raw) {
    const d = (f: (x: LatencySplit) => number): string => {
      const v = f(ours) - f(raw);
      return `${v >= 0 ? '+' : ''}${fmt(v, 1)}`;
    };
    rows.push(['ours - floor', d((x) => x.p50Us), d((x) => x.callerUs), d((x) => x.workerUs), d((x) => x.engineUs), d((x) => x.wireUs), d((x) => x.clientCpuUs)]);
  }
  table(rows, out);
}
