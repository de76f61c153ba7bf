// Trigger introspection and function-path bindings (protocol.md §3.7, §5):
// `engine::triggers::list|info`, `engine::registered-triggers::list|info`,
// `engine::register_trigger`, `engine::unregister_trigger`.
import { Sends } from '../sends.js';
import type { Outcome } from '../frames.js';
import { DEFAULT_NS } from '../namespaces.js';
import type { BuiltinServices } from '../services.js';
import type { Binding } from '../triggers.js';
import { newUuid } from '../uuid.js';
import { ENGINE_FUNCTIONS_WORKER } from '../workers.js';
import { cmp, defineBuiltin, fail, ok, type Handler } from './define.js';
import { bindingRow, bindingWorkerName, functionDetail, typeDetail, typeRow, typeWorkerName } from './shapes.js';

/** `engine::register_trigger` waits this long for a WS provider's ack, then accepts (§3.5). */
export const REGISTER_TRIGGER_ACK_WAIT_MS = 10000;

export function installTriggerBuiltins(services: BuiltinServices): void {
  const define = (id: string, h: Handler): void => defineBuiltin(services, ENGINE_FUNCTIONS_WORKER, id, h);
  const { triggers } = services;

  define('engine::triggers::list', (inp) => {
    const search = inp.str('search')?.toLowerCase();
    const prefix = inp.str('prefix');
    const worker = inp.str('worker');
    const includeInternal = inp.bool('include_internal') ?? false;
    const rows = [...triggers.types.values()]
      .filter((t) => includeInternal || !t.id.startsWith('engine::'))
      .filter((t) => prefix === undefined || t.id.startsWith(prefix))
      .filter((t) => worker === undefined || typeWorkerName(t) === worker)
      .filter((t) => search === undefined || t.id.toLowerCase().includes(search) || t.description.toLowerCase().includes(search))
      .sort((a, b) => cmp(a.id, b.id) || cmp(a.namespace, b.namespace));
    return ok({ triggers: rows.map(typeRow) });
  });

  define('engine::triggers::info', (inp) => {
    const id = inp.str('id', true)!;
    const ns = inp.str('namespace');
    const matches = [...triggers.types.values()].filter((t) => t.id === id && (ns === undefined || t.namespace === ns));
    if (matches.length === 0) return fail('NOT_FOUND', `Trigger type '${id}' is not registered.`);
    if (matches.length > 1) return fail('NOT_FOUND', `Trigger type '${id}' is registered in several namespaces; pass \`namespace\`.`);
    return ok(typeDetail(services, matches[0]!));
  });

  define('engine::registered-triggers::list', (inp) => {
    const search = inp.str('search')?.toLowerCase();
    const type = inp.str('trigger_type');
    const fn = inp.str('function_id');
    const worker = inp.str('worker');
    const includeInternal = inp.bool('include_internal') ?? false;
    const matchesSearch = (b: Binding): boolean =>
      search === undefined || [b.id, b.function_id, b.trigger_type].some((s) => s.toLowerCase().includes(search));
    const rows = [...triggers.live.values()]
      .filter((b) => includeInternal || (!b.trigger_type.startsWith('engine::') && !b.function_id.startsWith('engine::')))
      .filter((b) => type === undefined || b.trigger_type === type)
      .filter((b) => fn === undefined || b.function_id === fn)
      .filter((b) => worker === undefined || bindingWorkerName(b) === worker)
      .filter(matchesSearch)
      .sort((a, b) => cmp(a.id, b.id));
    return ok({ registered_triggers: rows.map(bindingRow) });
  });

  define('engine::registered-triggers::info', (inp) => {
    const id = inp.str('id', true)!;
    const b = triggers.live.get(id) ?? triggers.parked.get(id);
    if (!b) return fail('NOT_FOUND', `Trigger '${id}' is not registered.`);
    const row = bindingRow(b);
    delete row.config_summary;
    if (b.metadata !== undefined) row.metadata = b.metadata;
    const t = b.resolvedKey !== undefined ? triggers.types.get(b.resolvedKey) : triggers.resolve(b);
    row.trigger = t ? typeDetail(services, t) : null;
    const f = services.functions.get(b.namespace ?? DEFAULT_NS, b.function_id);
    row.function = f ? functionDetail(services, f) : null;
    return ok(row);
  });

  // Durable bindings (no originator), target namespace `default` (§3.7 "Function-path registration").
  define('engine::register_trigger', async (inp, ctx) => {
    const type = inp.str('trigger_type', true)!;
    const fn = inp.str('function_id', true)!;
    const tns = inp.str('trigger_namespace');
    const allowed = ctx.caller?.session.allowed_trigger_types;
    if (allowed !== undefined && !allowed.includes(type)) return fail('FORBIDDEN', `trigger type '${type}' not allowed`);
    const b: Binding = { id: newUuid(), trigger_type: type, function_id: fn, config: inp.any('config') ?? null, originator: undefined, createdAt: Date.now() };
    const md = inp.any('metadata');
    if (md !== undefined) b.metadata = md;
    if (tns !== undefined) b.trigger_namespace = tns;
    const ack =
      triggers.resolve(b)?.conn === undefined
        ? undefined
        : new Promise<Outcome>((resolve) => {
            const cancel = services.timers.after(REGISTER_TRIGGER_ACK_WAIT_MS, () => {
              services.ackWaiters.delete(b.id);
              resolve(ok({ id: b.id })); // no answer in time → accepted
            });
            services.ackWaiters.set(b.id, (error) => {
              cancel();
              resolve(error ? fail('trigger_registration_failed', `${error.code}: ${error.message}`) : ok({ id: b.id }));
            });
          });
    const sends = new Sends(ctx.caller);
    const reason = triggers.place(b, sends.to);
    await sends.queued();
    if (ack && reason === undefined && triggers.live.has(b.id)) return ack;
    // Not waiting after all: settle `ack` (which clears its timer) and forget it.
    const waiter = services.ackWaiters.get(b.id);
    services.ackWaiters.delete(b.id);
    waiter?.(undefined);
    return reason === undefined ? ok({ id: b.id }) : fail('trigger_registration_failed', reason);
  });

  define('engine::unregister_trigger', (inp, ctx) => {
    const id = inp.str('id', true)!;
    inp.str('trigger_type');
    const sends = new Sends(ctx.caller);
    const removed = triggers.unbind(id, sends.to);
    return ok({ removed });
  });
}
