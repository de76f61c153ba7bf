// The engine's log store (protocol.md §5 `engine::logs::list`, §8 item 45): what `engine::log::*`
// calls and `LOGS` telemetry frames record, kept in memory, newest evicting oldest, as the real
// engine's observability worker keeps them (`InMemoryLogStorage`,
// engine/src/workers/observability/otel.rs).
import { byteCompare } from './functions.js';

/** One stored record, as `engine::logs::list` returns it (the real `StoredLog`). */
export interface StoredLog {
  /** Nanoseconds since the epoch; 0 = unknown. */
  timestamp_unix_nano: bigint;
  observed_timestamp_unix_nano: bigint;
  severity_number: number;
  severity_text: string;
  body: string;
  attributes: Record<string, unknown>;
  trace_id: string | null;
  span_id: string | null;
  resource: Record<string, string>;
  service_name: string;
  instrumentation_scope_name?: string;
  instrumentation_scope_version?: string;
}

/** The filters of `engine::logs::list` (times in milliseconds since the epoch). */
export interface LogFilter {
  trace_id?: string | undefined;
  span_id?: string | undefined;
  severity_min?: number | undefined;
  severity_text?: string | undefined;
  start_time?: number | undefined;
  end_time?: number | undefined;
  offset?: number | undefined;
  limit?: number | undefined;
}

/** The real engine's default `logs_max_count`. */
export const MAX_LOGS = 1000;
/**
 * Not in the real engine, which bounds the count only: at most this many bytes (of bodies and
 * JSON of attributes and resource) are held, so that a thousand records of 64 MiB each cannot
 * take a test process's memory. The newest record is always kept.
 */
export const MAX_LOG_BYTES = 16 * 1024 * 1024;

const U64_MAX = 2n ** 64n - 1n;

// ANSI escape sequences as console 0.16's `strip_ansi_codes` finds them (its documented regex).
const ANSI = /[\x1b\x9b](?:[()][012AB]|[[()#;?]*(?:[0-9]{1,4}(?:;[0-9]{0,4})*)?[0-9A-PRZcf-nqry=><])/g;

function stripAnsi(s: string): string {
  return s.replace(ANSI, '');
}

function sizeOf(log: StoredLog): number {
  return log.body.length + JSON.stringify(log.attributes).length + JSON.stringify(log.resource).length + 256;
}

export class LogStore {
  private readonly logs: Array<{ log: StoredLog; bytes: number }> = [];
  private bytes = 0;
  private lastNs = 0n;

  constructor(
    private readonly maxLogs = MAX_LOGS,
    private readonly maxBytes = MAX_LOG_BYTES,
  ) {}

  get size(): number {
    return this.logs.length;
  }

  /**
   * Now in nanoseconds since the epoch, strictly increasing: records made in the same
   * millisecond still list newest first, as the real engine's nanosecond clock lists them.
   */
  now(): bigint {
    const ms = BigInt(Date.now()) * 1_000_000n;
    this.lastNs = ms > this.lastNs ? ms : this.lastNs + 1n;
    return this.lastNs;
  }

  /** Stores records in order; colour codes are stripped from bodies and string attributes first. */
  add(records: StoredLog[]): void {
    for (const log of records) {
      log.body = stripAnsi(log.body);
      for (const [k, v] of Object.entries(log.attributes)) if (typeof v === 'string') log.attributes[k] = stripAnsi(v);
      const bytes = sizeOf(log);
      while (this.logs.length > 0 && (this.logs.length >= this.maxLogs || this.bytes + bytes > this.maxBytes)) {
        this.bytes -= this.logs.shift()!.bytes;
      }
      this.logs.push({ log, bytes });
      this.bytes += bytes;
    }
  }

  clear(): void {
    this.logs.length = 0;
    this.bytes = 0;
  }

  /**
   * `get_logs_filtered`: every filter must match (severity text case-insensitively, times
   * inclusive, in milliseconds), newest first (stable), then `offset` and `limit`; `total` counts
   * the matches before paging. A start or end time whose nanoseconds overflow u64 matches nothing.
   */
  list(f: LogFilter): { total: number; logs: StoredLog[] } {
    const startNs = f.start_time === undefined ? undefined : BigInt(f.start_time) * 1_000_000n;
    const endNs = f.end_time === undefined ? undefined : BigInt(f.end_time) * 1_000_000n;
    if ((startNs !== undefined && startNs > U64_MAX) || (endNs !== undefined && endNs > U64_MAX)) return { total: 0, logs: [] };
    const text = f.severity_text?.toLowerCase();
    const matches = this.logs
      .map((e) => e.log)
      .filter(
        (l) =>
          (f.trace_id === undefined || l.trace_id === f.trace_id) &&
          (f.span_id === undefined || l.span_id === f.span_id) &&
          (f.severity_min === undefined || l.severity_number >= f.severity_min) &&
          (text === undefined || l.severity_text.toLowerCase() === text) &&
          (startNs === undefined || l.timestamp_unix_nano >= startNs) &&
          (endNs === undefined || l.timestamp_unix_nano <= endNs),
      );
    matches.sort((a, b) => (a.timestamp_unix_nano === b.timestamp_unix_nano ? 0 : a.timestamp_unix_nano > b.timestamp_unix_nano ? -1 : 1));
    const offset = f.offset ?? 0;
    return { total: matches.length, logs: matches.slice(offset, f.limit === undefined ? undefined : offset + f.limit) };
  }
}

/** Object keys in byte order at every level, as serde_json (without `preserve_order`) writes any JSON value. */
export function sortedJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedJson);
  if (value === null || typeof value !== 'object') return value;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return value; // a number kept apart (otlp-logs.ts F64)
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value).sort(byteCompare)) out[k] = sortedJson((value as Record<string, unknown>)[k]);
  return out;
}

/**
 * A stored record as the real engine writes it: its keys in byte order (the record is turned into
 * a `serde_json::Value` first), nanosecond times as JSON numbers (exact below 2^53 only, here).
 */
export function storedLogJson(l: StoredLog): unknown {
  return sortedJson({ ...l, timestamp_unix_nano: Number(l.timestamp_unix_nano), observed_timestamp_unix_nano: Number(l.observed_timestamp_unix_nano) });
}
