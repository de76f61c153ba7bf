// `engine::log::*` and `engine::baggage::*` of the in-process `iii-observability` worker
// (protocol.md §5, §3.15 rule 4: infrastructure ids). Baggage is a cheap stub of the real
// propagation: it reads the invoking frame's W3C `baggage`.
import type { CallContext } from '../functions.js';
import type { BuiltinServices } from '../services.js';
import { OBSERVABILITY_WORKER } from '../workers.js';
import { defineBuiltin, ok, type Handler } from './define.js';

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
  for (const level of ['info', 'warn', 'error', 'debug', 'trace'] as const) {
    define(`engine::log::${level}`, (inp) => {
      const message = inp.str('message', true)!;
      inp.str('trace_id');
      inp.str('span_id');
      inp.str('service_name');
      services.log(level === 'trace' ? 'debug' : level, message, inp.any('data'));
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
