// `engine::log::*` and `engine::baggage::*` of the in-process `iii-observability` worker
// (protocol.md §5, §3.15 rule 4: infrastructure ids). `engine::log::*` records go to the log store
// (log-store.ts) and to the engine's log lines. Baggage is a cheap stub of the real
// propagation: it reads the invoking frame's W3C `baggage`.
import { isObj } from '../frames.js';
import type { CallContext } from '../functions.js';
import type { BuiltinServices } from '../services.js';
import { OBSERVABILITY_WORKER } from '../workers.js';
import { defineBuiltin, ok, type Handler } from './define.js';
import { ENGINE_VERSION } from './workers.js';

/** OTel severity numbers of the `engine::log::*` levels. */
const SEVERITY = { info: 9, warn: 13, error: 17, debug: 5, trace: 1 } as const;
/** The resource of the engine's own records with the observability worker's default config. */
const ENGINE_RESOURCE = { 'service.name': 'iii', 'service.version': ENGINE_VERSION };

/** W3C baggage `k=v;props,k2=v2` of the invoking frame; a Map, so any key is just a key. */
function parseBaggage(ctx: CallContext): Map<string, string> {
  const out = new Map<string, string>();
  for (const member of (ctx.baggage ?? '').split(',')) {
    const kv = member.split(';')[0] ?? '';
    const eq = kv.indexOf('=');
    if (eq <= 0) continue;
    const k = kv.slice(0, eq).trim();
    let v = kv.slice(eq + 1).trim();
    try {
      v = decodeURIComponent(v);
    } catch {
      // keep the raw value
    }
    if (k) out.set(k, v);
  }
  return out;
}

export function installObservabilityBuiltins(services: BuiltinServices): void {
  const define = (id: string, h: Handler): void => defineBuiltin(services, OBSERVABILITY_WORKER, id, h);
  for (const [level, severity] of Object.entries(SEVERITY) as Array<[keyof typeof SEVERITY, number]>) {
    define(`engine::log::${level}`, (inp) => {
      const message = inp.str('message', true)!;
      const trace_id = inp.str('trace_id') ?? null;
      const span_id = inp.str('span_id') ?? null;
      const service_name = inp.str('service_name') ?? 'unknown';
      const data = inp.any('data');
      // §8 item 45: recorded in the log store as `store_and_emit_log` records it.
      const now = services.logs.now();
      services.logs.add([
        {
          timestamp_unix_nano: now,
          observed_timestamp_unix_nano: now,
          severity_number: severity,
          severity_text: level.toUpperCase(),
          body: message,
          attributes: isObj(data) ? { ...data } : {},
          trace_id,
          span_id,
          resource: { ...ENGINE_RESOURCE },
          service_name,
          instrumentation_scope_name: 'iii',
          instrumentation_scope_version: ENGINE_VERSION,
        },
      ]);
      services.log(level === 'trace' ? 'debug' : level, message, data);
      return ok(undefined);
    });
  }
  define('engine::baggage::get', (inp, ctx) => {
    const key = inp.str('key', true)!;
    return ok({ value: parseBaggage(ctx).get(key) ?? null });
  });
  define('engine::baggage::set', (inp) => {
    inp.str('key', true);
    inp.str('value', true);
    return ok({ success: true, note: 'baggage is propagated through trace context; the reference engine does not persist it' });
  });
  define('engine::baggage::get_all', (_inp, ctx) => ok({ baggage: Object.fromEntries(parseBaggage(ctx)) }));
}
