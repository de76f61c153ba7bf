// Shared pieces of the benchmark: the client kinds, the IPC messages between the
// orchestrator (run.ts) and its child processes, statistics, and bounded waiting.
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { existsSync } from 'node:fs';

export const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(BENCH_DIR, '..', '..');

/**
 * The clients compared on the same work through the same engine.
 * - `ours`: this SDK (built `dist/node/index.js`, or the sources through tsx when unbuilt)
 * - `raw`: plain `ws` sockets speaking protocol.md frames by hand (the floor)
 * - `official`: `iii-sdk` 0.22.1 with OpenTelemetry disabled (`otel: {enabled: false}`)
 * - `officialDefault`: `iii-sdk` 0.22.1 with its defaults (OTel on, exporting to `/otel`)
 * - `oursB`: only with `--ours-b <entry>`: a second build of this SDK (a proposed patch, say),
 *   run through the same rounds for an A/B comparison in one run
 */
export const CLIENT_KINDS = ['ours', 'raw', 'official', 'officialDefault', 'oursB'] as const;
/** The clients of a run unless `--clients` says otherwise. */
export const DEFAULT_KINDS: ClientKind[] = ['ours', 'raw', 'official', 'officialDefault'];
export type ClientKind = (typeof CLIENT_KINDS)[number];

export const CLIENT_LABEL: Record<ClientKind, string> = {
  ours: 'iii-isomorphic',
  raw: 'raw ws floor',
  official: 'iii-sdk (otel off)',
  officialDefault: 'iii-sdk (defaults)',
  oursB: 'iii-isomorphic B build',
};

/** `ours` and `oursB` are the same SDK API, loaded from different builds. */
export const isOurs = (kind: string): boolean => kind === 'ours' || kind === 'oursB';

/** Function ids are per client kind: a function id has exactly one owning connection (§3.2). */
export function fnId(kind: ClientKind | 'mem', name: 'echo' | 'never' | 'source' | 'sink'): string {
  return `bench.${kind}::${name}`;
}

/** The payload of every invocation benchmark: small and object-shaped like real calls. */
export function payloadFor(i: number): { seq: number; user: string; items: number[]; note: string } {
  return { seq: i, user: 'bench-user-0001', items: [1, 2, 3, 4], note: 'the quick brown fox' };
}

/** Requests the orchestrator sends to a host child (caller or worker side). */
export type HostRequest =
  | { op: 'seq'; n: number }
  | { op: 'pipe'; n: number; depth: number }
  | { op: 'channel'; bytes: number; direction: 'toCaller' | 'toWorker' }
  | { op: 'mem' }
  | { op: 'cpu' }
  | { op: 'stop' }
  // scenario `split` (split.ts): reset and read this process's turnarounds
  | { op: 'splitReset' }
  | { op: 'split' }
  // memory-pending children only (mem-pending.ts)
  | { op: 'memBaseline' }
  | { op: 'memFire'; n: number }
  | { op: 'memSettle'; n: number };

export interface RoundResult {
  calls: number;
  ms: number;
  /** Per-call latencies in microseconds (sequential rounds only). */
  latUs?: number[];
  bytes?: number;
  /** Calls whose result never came (left out of `calls` and `ms`; lost-calls.ts). */
  lost?: number;
}

export interface MemSample {
  heapUsed: number;
  rss: number;
  external: number;
  arrayBuffers: number;
}

export interface CpuSample {
  user: number;
  system: number;
}

export type HostReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: string };

export type HostHello = { ready: true; pid: number; detail?: string } | { ready: false; error: string };

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Nearest-rank percentile, p in [0, 100]. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const s = Float64Array.from(values).sort();
  const rank = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[rank]!;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// The engine tests' bounded wait: every await of the bench has a deadline too.
export { withTimeout } from '../engine/tests/raw-client.js';

/** Poll `check` every `everyMs` until it is true; bounded by `ms`. */
export async function waitUntil(check: () => boolean | Promise<boolean>, ms: number, what: string, everyMs = 10): Promise<void> {
  const deadline = Date.now() + ms;
  for (let i = 0; i < 1_000_000; i++) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms: ${what}`);
    await sleep(everyMs);
  }
  throw new Error(`gave up: ${what}`);
}

/** Where this SDK's Node entry comes from: the rollup build when present, else the sources. */
export function oursNodeEntry(kind: ClientKind = 'ours'): { file: string; built: boolean } {
  if (kind === 'oursB') {
    const file = process.env.BENCH_OURS_B_ENTRY;
    if (!file) throw new Error('oursB needs --ours-b <entry> (env BENCH_OURS_B_ENTRY)');
    return { file: path.resolve(file), built: file.endsWith('.js') };
  }
  if (process.env.BENCH_OURS_ENTRY) return { file: path.resolve(process.env.BENCH_OURS_ENTRY), built: process.env.BENCH_OURS_ENTRY.endsWith('.js') };
  const built = path.join(ROOT, 'dist', 'node', 'index.js');
  if (process.env.BENCH_OURS_FROM_SRC !== '1' && existsSync(built)) return { file: built, built: true };
  return { file: path.join(ROOT, 'platform', 'node', 'index.ts'), built: false };
}

export function gcNow(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  // Several passes: weak callbacks and finalizers free more on the second and third pass.
  gc();
  gc();
  gc();
}

export function memSample(): MemSample {
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, rss: m.rss, external: m.external, arrayBuffers: m.arrayBuffers };
}
