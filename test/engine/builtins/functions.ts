// `engine::functions::list` and `engine::functions::info` (protocol.md §5, §3.15 filtering,
// §8 item 39).
import type { CallContext, FunctionEntry } from '../functions.js';
import { forbiddenMessage } from '../rbac.js';
import type { BuiltinServices } from '../services.js';
import { ENGINE_FUNCTIONS_WORKER } from '../workers.js';
import { cmp, defineBuiltin, fail, ok, type Handler } from './define.js';
import { functionDetail, functionSummary, isInternalFunction, workerNameOf } from './shapes.js';

/**
 * §8 item 39: search ranks 0 (prefix or `::` segment), 1 (id contains), 2 (description only);
 * 3 = no match. `q` is the lower-cased search, computed once per listing (a search string of
 * megabytes must not be lower-cased once per comparison).
 */
function searchRank(e: FunctionEntry, q: string | undefined): number {
  if (q === undefined) return 0;
  const id = e.id.toLowerCase();
  if (id.startsWith(q) || id.split('::').includes(q)) return 0;
  if (id.includes(q)) return 1;
  if ((e.description ?? '').toLowerCase().includes(q)) return 2;
  return 3;
}

export function installFunctionBuiltins(services: BuiltinServices): void {
  const define = (id: string, h: Handler): void => defineBuiltin(services, ENGINE_FUNCTIONS_WORKER, id, h);
  // Rows are silently filtered by the caller's RBAC session (§3.15).
  const visible = (ctx: CallContext, e: FunctionEntry): boolean => services.decide(ctx.caller, e.id, e.namespace).allowed;

  define('engine::functions::list', (inp, ctx) => {
    const search = inp.str('search');
    const prefix = inp.str('prefix');
    const worker = inp.str('worker');
    const workers = inp.strList('workers');
    const includeInternal = inp.bool('include_internal') ?? false;
    const names = [...(worker !== undefined ? [worker] : []), ...(workers ?? [])];
    const q = search?.toLowerCase();
    const rows = services.functions
      .all()
      .filter((e) => includeInternal || !isInternalFunction(e))
      .filter((e) => prefix === undefined || e.id.startsWith(prefix))
      .filter((e) => names.length === 0 || names.includes(workerNameOf(e)))
      .filter((e) => visible(ctx, e))
      .map((e) => ({ e, rank: searchRank(e, q) }))
      .filter((r) => r.rank < 3)
      .sort((a, b) => a.rank - b.rank || cmp(a.e.id, b.e.id) || cmp(a.e.namespace, b.e.namespace));
    return ok({ functions: rows.map((r) => functionSummary(r.e)) });
  });

  define('engine::functions::info', (inp, ctx) => {
    const single = inp.str('function_id');
    const batch = inp.strList('function_ids');
    const ns = inp.str('namespace');
    if ((single === undefined) === (batch === undefined)) {
      return fail('INVALID_ARGUMENTS', 'provide exactly one of `function_id` or `function_ids`');
    }
    if (batch !== undefined && (batch.length === 0 || batch.length > 32)) {
      return fail('INVALID_ARGUMENTS', '`function_ids` must hold between 1 and 32 ids');
    }
    const lookup = (id: string): { entry?: FunctionEntry; error?: 'not_found' | 'forbidden' | 'ambiguous' } => {
      const matches = ns !== undefined ? [services.functions.get(ns, id)].filter((e) => e !== undefined) : services.functions.all().filter((e) => e.id === id);
      if (matches.length === 0) return { error: 'not_found' };
      if (matches.length > 1) return { error: 'ambiguous' };
      const e = matches[0]!;
      return visible(ctx, e) ? { entry: e } : { error: 'forbidden' };
    };
    if (single !== undefined) {
      const r = lookup(single);
      if (r.entry) return ok(functionDetail(services, r.entry));
      if (r.error === 'forbidden') return fail('FORBIDDEN', forbiddenMessage(single, false));
      if (r.error === 'ambiguous') return fail('NOT_FOUND', `Function '${single}' is registered in several namespaces; pass \`namespace\`.`);
      return fail('NOT_FOUND', `Function '${single}' is not registered.`);
    }
    return ok({
      functions: batch!.map((id) => {
        const r = lookup(id);
        if (r.entry) return functionDetail(services, r.entry);
        return { function_id: id, error: r.error === 'forbidden' ? 'forbidden' : 'not_found' };
      }),
    });
  });
}
