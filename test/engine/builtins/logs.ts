// `engine::logs::list` and `engine::logs::clear` of the in-process `iii-observability` worker
// (protocol.md §5, §8 item 45): the engine's log store, filtered and paged as the real
// observability worker does (`list_logs`, `clear_logs`, engine/src/workers/observability/mod.rs).
import { storedLogJson } from '../log-store.js';
import type { BuiltinServices } from '../services.js';
import { OBSERVABILITY_WORKER } from '../workers.js';
import { defineBuiltin, ok } from './define.js';

export function installLogBuiltins(services: BuiltinServices): void {
  defineBuiltin(services, OBSERVABILITY_WORKER, 'engine::logs::list', (inp) => {
    const query = {
      end_time: inp.integer('end_time', 'u64'),
      limit: inp.integer('limit', 'usize'),
      offset: inp.integer('offset', 'usize'),
      severity_min: inp.integer('severity_min', 'i32'),
      severity_text: inp.str('severity_text'),
      span_id: inp.str('span_id'),
      start_time: inp.integer('start_time', 'u64'),
      trace_id: inp.str('trace_id'),
    };
    const { total, logs } = services.logs.list(query);
    // The echo of the filters names every one, `null` when not given; keys in byte order, as the
    // real result is a serde_json value.
    const echo = Object.fromEntries(Object.entries(query).map(([k, v]) => [k, v ?? null]));
    return ok({ logs: logs.map(storedLogJson), query: echo, timestamp: Date.now(), total });
  });
  defineBuiltin(services, OBSERVABILITY_WORKER, 'engine::logs::clear', () => {
    services.logs.clear();
    return ok({ success: true });
  });
}
