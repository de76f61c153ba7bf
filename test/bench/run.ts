// `npm run bench` — speed, memory, cold start and size of this SDK side by side with a
// raw-socket floor and the official iii-sdk, all through one reference engine on loopback,
// in one process tree and one run. See docs/benchmarks.md.
//
//   npm run bench                      full run (< ~10 min)
//   npm run bench -- --quick           smaller sizes (< ~2 min)
//   npm run bench -- --json            one JSON document on stdout (progress on stderr)
//   npm run bench -- --channel-mib 64  channel transfer size (default 256, quick 32)
//   npm run bench -- --only invoke,channel --clients ours,raw
//   npm run bench -- --ours-b /tmp/x/dist/node/index.js   A/B: a second build of this SDK as `oursB`
//                    [--ours-a other/dist/node/index.js]  (and another build as `ours`)
//   npm run bench -- --engine-url ws://127.0.0.1:49199 [--engine-name "iii 0.23.0-rc.4"] [--engine-pid N]
//                                      every scenario through an engine this bench does not start
//                                      (the real iii engine); its CPU time is read from /proc of the
//                                      process listening on the URL's port (or --engine-pid)
//   npm run bench -- --profile         also write V8 CPU profiles of every client process
//                                      (.tmp/bench-prof/<kind>-<caller|worker>.cpuprofile; summary:
//                                      npx tsx test/bench/profile-top.ts)
//   npm run bench -- --only split      where one sequential call's time goes, per process
//   env BENCH_CHANNEL_DIRECTIONS=toWorker   only that channel direction (toCaller, toWorker)
//   npm run bench -- --floor-ballast-mib 3  diagnostic: the raw floor's processes also hold 3 MiB
//                                      of live heap, past the size where V8 starts mark-compacts
//                                      for churned ArrayBuffers (host.ts; docs/benchmarks.md)
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { CLIENT_KINDS, DEFAULT_KINDS, ROOT, oursNodeEntry, type ClientKind } from './common.js';
import { Child } from './proc.js';
import { externalEngineCpu, listenerPid, type EngineCpuSource } from './external-engine.js';
import { interleave, type ClientPair } from './speed.js';
import { measureMillion, measurePending } from './memory.js';
import { measureColdNode, measureColdWorkerd } from './cold.js';
import { measureSplit } from './latency.js';
import { measureSizes } from './size.js';
import { computeTargets, loadAverage, machineInfo, printReport, type Report } from './report.js';

const SCENARIOS = ['invoke', 'pipe', 'split', 'channel', 'pending', 'million', 'cold', 'size'] as const;
type Scenario = (typeof SCENARIOS)[number];

interface Flags {
  quick: boolean;
  json: boolean;
  channelMiB: number;
  only: Set<Scenario>;
  clients: ClientKind[];
  profile: boolean;
  /** An engine this bench does not start (`--engine-url`), its name and pid. */
  engineUrl?: string;
  engineName?: string;
  enginePid?: number;
}

function parseFlags(argv: string[]): Flags {
  let oursB = false;
  const flags: Flags = { quick: false, json: false, channelMiB: 0, only: new Set(SCENARIOS), clients: [...DEFAULT_KINDS], profile: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--quick') flags.quick = true;
    else if (a === '--json') flags.json = true;
    else if (a === '--profile') flags.profile = true;
    else if (a.startsWith('--ours-a')) process.env.BENCH_OURS_ENTRY = path.resolve(value());
    else if (a.startsWith('--ours-b')) {
      // Children inherit the environment: every process that loads `oursB` finds it there.
      process.env.BENCH_OURS_B_ENTRY = path.resolve(value());
      oursB = true;
    } else if (a.startsWith('--channel-mib')) flags.channelMiB = Number(value());
    else if (a.startsWith('--floor-ballast-mib')) {
      const mib = Number(value());
      if (!(mib >= 0 && mib <= 256)) throw new Error('--floor-ballast-mib must be in [0, 256]');
      // Children inherit the environment: the raw floor's host processes read it (host.ts).
      process.env.BENCH_FLOOR_BALLAST_MIB = String(mib);
    } else if (a.startsWith('--engine-url')) {
      const url = new URL(value());
      if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new Error(`--engine-url must be a ws:// or wss:// URL, got ${url.href}`);
      flags.engineUrl = url.href.replace(/\/$/, '');
    } else if (a.startsWith('--engine-name')) flags.engineName = value();
    else if (a.startsWith('--engine-pid')) {
      flags.enginePid = Number(value());
      if (!Number.isInteger(flags.enginePid) || flags.enginePid <= 0) throw new Error('--engine-pid must be a process id');
    }
    else if (a.startsWith('--only')) {
      const list = value().split(',') as Scenario[];
      for (const s of list) if (!SCENARIOS.includes(s)) throw new Error(`unknown scenario ${s}; one of ${SCENARIOS.join(', ')}`);
      flags.only = new Set(list);
    } else if (a.startsWith('--clients')) {
      const list = value().split(',') as ClientKind[];
      for (const k of list) if (!CLIENT_KINDS.includes(k)) throw new Error(`unknown client ${k}; one of ${CLIENT_KINDS.join(', ')}`);
      // The raw worker hosts the `never` function and the cold-start target: always present.
      flags.clients = list.includes('raw') ? list : [...list, 'raw'];
    } else if (a === '--help' || a === '-h') {
      console.log('usage: npm run bench -- [--quick] [--json] [--channel-mib N] [--only a,b] [--clients a,b] [--profile] [--ours-b dist/node/index.js] [--floor-ballast-mib N] [--engine-url ws://… [--engine-name text] [--engine-pid N]]');
      console.log(`scenarios: ${SCENARIOS.join(', ')}; clients: ${CLIENT_KINDS.join(', ')}`);
      process.exit(0);
    } else throw new Error(`unknown flag ${a}`);
  }
  if (oursB && !flags.clients.includes('oursB')) flags.clients.splice(1, 0, 'oursB');
  if ((flags.engineName !== undefined || flags.enginePid !== undefined) && !flags.engineUrl) throw new Error('--engine-name and --engine-pid need --engine-url');
  if (!flags.channelMiB) flags.channelMiB = flags.quick ? 32 : 256;
  if (!(flags.channelMiB > 0 && flags.channelMiB <= 4096)) throw new Error('--channel-mib must be in (0, 4096]');
  return flags;
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  const log = (s: string): void => {
    process.stderr.write(`${s}\n`);
  };
  const started = Date.now();
  // Many short rounds, interleaved, beat a few long ones on a shared machine: a burst of
  // someone else's work spoils one round, and the median drops it.
  const sizes = flags.quick
    ? { rounds: 12, seqN: 400, pipeRounds: 8, pipeN: 2500, splitRounds: 6, splitN: 400, channelRounds: 4, pendingN: 10_000, millionN: 200_000, coldSamples: 3 }
    : { rounds: 30, seqN: 800, pipeRounds: 20, pipeN: 5000, splitRounds: 16, splitN: 800, channelRounds: 5, pendingN: 10_000, millionN: 1_000_000, coldSamples: 5 };
  const report: Report = {
    meta: {
      ...machineInfo(),
      date: new Date().toISOString(),
      command: `npm run bench${process.argv.length > 2 ? ' -- ' + process.argv.slice(2).join(' ') : ''}`,
      quick: flags.quick,
      channelBytes: flags.channelMiB * 1024 * 1024,
      oursEntry: path.relative(ROOT, oursNodeEntry().file),
      oursBEntry: process.env.BENCH_OURS_B_ENTRY,
      floorBallastMiB: process.env.BENCH_FLOOR_BALLAST_MIB,
      clients: flags.clients,
      sizes,
      // Other engineers share this machine: the load when the run started and ended.
      loadAvgStart: loadAverage(),
    },
  };

  const profDir = path.join(ROOT, '.tmp', 'bench-prof');
  if (flags.profile) mkdirSync(profDir, { recursive: true });
  const children: Child[] = [];
  const cleanup = async (): Promise<void> => {
    await Promise.all(children.map((c) => c.stop()));
  };
  const hardStop = setTimeout(
    () => {
      log('bench: exceeded its 20 minute bound; killing children');
      for (const c of children) c.kill();
      process.exit(1);
    },
    20 * 60 * 1000,
  );
  hardStop.unref();

  try {
    let engine: EngineCpuSource;
    let url: string;
    if (flags.engineUrl) {
      url = flags.engineUrl;
      const pid = flags.enginePid ?? listenerPid(Number(new URL(url).port || 80));
      engine = externalEngineCpu(pid);
      // Children inherit it: every call of every client goes through the lost-call guard.
      process.env.BENCH_STALL_MS = '3000';
      report.meta.engineName = `${flags.engineName ?? 'external engine'}, pid ${pid ?? 'unknown (engine CPU n/a)'}`;
      log(`bench: through ${report.meta.engineName} at ${url} (${flags.quick ? 'quick' : 'full'} run)`);
    } else {
      log(`bench: starting the reference engine (${flags.quick ? 'quick' : 'full'} run)`);
      const child = await Child.start('engine', 'engine-host.ts', []);
      children.push(child);
      engine = child;
      url = child.detail!;
      report.meta.engineName = 'reference engine (test/engine), own process';
    }
    report.meta.engineUrl = url;

    const pairs: ClientPair[] = [];
    for (const kind of flags.clients) {
      log(`bench: starting ${kind} worker + caller`);
      const env = flags.profile ? { BENCH_PROFILE_DIR: profDir } : undefined;
      const worker = await Child.start(`${kind}-worker`, 'host.ts', [kind, 'worker', url], [], env);
      children.push(worker);
      const caller = await Child.start(`${kind}-caller`, 'host.ts', [kind, 'caller', url], [], env);
      children.push(caller);
      pairs.push({ kind, caller, worker });
    }

    // A scenario that fails is reported and the run goes on: one broken piece must not hide
    // the others' figures.
    const attempt = async (name: string, fn: () => Promise<void>): Promise<void> => {
      try {
        await fn();
      } catch (e) {
        const message = String((e as Error)?.message ?? e).slice(0, 2000);
        log(`bench: ${name} FAILED: ${message}`);
        (report.errors ??= {})[name] = message;
      }
    };
    if (flags.only.has('invoke')) {
      await attempt('invoke', async () => {
        log(`bench: sequential invocations, ${sizes.seqN} calls x ${sizes.rounds} rounds`);
        // Three warm-up rounds: the first sequential calls of a fresh process run unoptimised code.
        report.seq = await interleave(engine, pairs, { op: 'seq', n: sizes.seqN }, sizes.rounds, 3, 120_000, log);
      });
    }
    if (flags.only.has('pipe')) {
      report.pipe = {};
      for (const depth of [64, 256]) {
        await attempt(`pipe ${depth}`, async () => {
          log(`bench: pipelined invocations, ${depth} in flight, ${sizes.pipeN} calls x ${sizes.pipeRounds} rounds`);
          report.pipe![depth] = await interleave(engine, pairs, { op: 'pipe', n: sizes.pipeN, depth }, sizes.pipeRounds, 2, 120_000, log);
        });
      }
    }
    if (flags.only.has('split')) {
      await attempt('split', async () => {
        // Its own engine and client processes, with each process timing its frames (split.ts);
        // the official SDK with its defaults is left out: its telemetry socket is another process's work.
        const kinds = flags.clients.filter((k) => k !== 'officialDefault');
        log(`bench: latency split of a sequential call, ${sizes.splitN} calls x ${sizes.splitRounds} rounds (${kinds.join(', ')})`);
        report.split = await measureSplit(kinds, sizes.splitN, sizes.splitRounds, log);
      });
    }
    if (flags.only.has('channel')) {
      report.channel = {};
      const directions = (process.env.BENCH_CHANNEL_DIRECTIONS?.split(',') ?? ['toCaller', 'toWorker']) as Array<'toCaller' | 'toWorker'>;
      for (const direction of directions) {
        await attempt(`channel ${direction}`, async () => {
          log(`bench: channel ${direction}, ${flags.channelMiB} MiB x ${sizes.channelRounds} rounds`);
          report.channel![direction] = await interleave(
            engine,
            pairs,
            { op: 'channel', bytes: flags.channelMiB * 1024 * 1024, direction },
            sizes.channelRounds,
            // One warm-up transfer per client and direction (JIT, socket buffers).
            1,
            300_000,
            log,
          );
        });
      }
    }
    if (flags.only.has('million')) {
      await attempt('million', async () => {
        // --quick leaves the official SDK's defaults out of this one (its per-call heap is in the
        // pending-call table, its rate above) to stay under two minutes.
        const millionPairs = flags.quick ? pairs.filter((p) => p.kind !== 'officialDefault') : pairs;
        log(`bench: heap and RSS over ${sizes.millionN} calls (${millionPairs.map((p) => p.kind).join(', ')})`);
        report.million = await measureMillion(millionPairs, sizes.millionN, log);
      });
    }
    if (flags.only.has('pending')) {
      await attempt('pending', async () => {
        log(`bench: heap per pending call, ${sizes.pendingN} pending`);
        report.pending = await measurePending(url, flags.clients, sizes.pendingN, log);
      });
    }
    if (flags.only.has('cold')) {
      await attempt('cold node', async () => {
        log(`bench: cold start, ${sizes.coldSamples} fresh processes per client`);
        report.coldNode = await measureColdNode(url, flags.clients, sizes.coldSamples, log);
      });
      await attempt('cold workerd', async () => {
        report.coldWorkerd = await measureColdWorkerd(url, flags.quick ? 2 : 3, log);
      });
    }
    report.stderrLines = Object.fromEntries(children.map((c) => [c.name, c.stderrLines]));
  } finally {
    await cleanup();
    clearTimeout(hardStop);
  }
  if (flags.only.has('size')) {
    log('bench: page sizes (e2e/size, Chromium)');
    report.size = await measureSizes().catch((e: unknown) => {
      (report.errors ??= {}).size = String((e as Error)?.message ?? e);
      return undefined;
    });
  }
  report.meta.elapsedS = Math.round((Date.now() - started) / 100) / 10;
  report.meta.loadAvgEnd = loadAverage();
  report.targets = computeTargets(report);
  if (flags.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else printReport(report, (s) => process.stdout.write(`${s}\n`));
  // Missed targets are findings, not failures; a scenario that could not run is a failure.
  if (report.errors) process.exitCode = 1;
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
