// Telemetry frames (protocol.md §2.1, §2.3 "Telemetry"): binary frames that start with `OTLP`
// (traces), `MTRC` (metrics) or `LOGS`, on `/` or `/otel`, never answered. `LOGS` records go to
// the log store and the engine's log lines, as the real engine's `ingest_otlp_logs` stores them
// and prints them (§8 item 45); traces and metrics are not kept (the reference engine has no
// trace or metric store).
import type { LogStore } from './log-store.js';
import type { LogLevel } from './options.js';
import { decodeOtlpLogs } from './otlp-logs.js';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Engine log level of an OTel severity number (the real engine's console levels; TRACE is `debug` here). */
function levelOf(severity: number): LogLevel {
  if (severity >= 1 && severity <= 8) return 'debug';
  if (severity >= 13 && severity <= 16) return 'warn';
  if (severity >= 17 && severity <= 24) return 'error';
  return 'info';
}

/** Ingests one telemetry frame (the caller has checked its prefix); a bad payload is logged and dropped. */
export function ingestTelemetry(sink: { logs: LogStore; log(level: LogLevel, message: string, data?: unknown): void }, frame: Buffer): void {
  if (frame.subarray(0, 4).toString('latin1') !== 'LOGS') return;
  let json: string;
  try {
    json = strictUtf8.decode(frame.subarray(4));
  } catch {
    sink.log('warn', 'a LOGS telemetry frame is not valid UTF-8; dropped');
    return;
  }
  let records;
  try {
    records = decodeOtlpLogs(json);
  } catch (e) {
    sink.log('warn', `a LOGS telemetry frame does not decode; dropped: ${(e as Error).message}`);
    return;
  }
  sink.logs.add(records);
  for (const r of records) sink.log(levelOf(r.severity_number), r.body, r.attributes);
}
