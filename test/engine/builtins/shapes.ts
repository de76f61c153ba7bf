// The shapes the introspection builtins return (protocol.md §5 "Shapes", §8 items 38, 39):
// FunctionSummary / FunctionDetail, trigger type rows, binding rows, and whose name goes in
// `worker_name`.
import { isObj } from '../frames.js';
import type { FunctionEntry } from '../functions.js';
import { DEFAULT_NS, nsKey } from '../namespaces.js';
import type { BuiltinServices } from '../services.js';
import type { Binding, TriggerTypeEntry } from '../triggers.js';
import { ENGINE_FUNCTIONS_WORKER } from '../workers.js';
import { cmp, type Obj } from './define.js';

/** Default listings hide `engine::*` (except `engine::queue::*`) and `metadata.internal === true`. */
export function isInternalFunction(e: FunctionEntry): boolean {
  if (e.id.startsWith('engine::') && !e.id.startsWith('engine::queue::')) return true;
  return isObj(e.metadata) && e.metadata.internal === true;
}

/** The owner's announced name, else the in-process worker, else the id's first `::` segment. */
export function workerNameOf(e: FunctionEntry): string {
  return e.owner?.name ?? e.inProcessWorker ?? e.id.split('::')[0] ?? e.id;
}

export function functionSummary(e: FunctionEntry): Obj {
  const s: Obj = { function_id: e.id, namespace: e.namespace, worker_name: workerNameOf(e) };
  if (e.description !== undefined) s.description = e.description;
  if (e.metadata !== undefined) s.metadata = e.metadata;
  return s;
}

/** Every function as `FunctionSummary`, sorted by id then namespace (§5). */
export function allFunctionSummaries(services: BuiltinServices, includeInternal: boolean): Obj[] {
  return services.functions
    .all()
    .filter((e) => includeInternal || !isInternalFunction(e))
    .sort((a, b) => cmp(a.id, b.id) || cmp(a.namespace, b.namespace))
    .map(functionSummary);
}

export function functionDetail(services: BuiltinServices, e: FunctionEntry): Obj {
  const d: Obj = { function_id: e.id, namespace: e.namespace, worker_name: workerNameOf(e) };
  if (e.description !== undefined) d.description = e.description;
  if (e.request_format !== undefined) d.request_schema = e.request_format;
  if (e.response_format !== undefined) d.response_schema = e.response_format;
  if (e.metadata !== undefined) d.metadata = e.metadata;
  d.registered_triggers = [...services.triggers.live.values()]
    .filter((b) => b.function_id === e.id && (b.namespace ?? DEFAULT_NS) === e.namespace)
    .map((b) => ({ id: b.id, trigger_type: b.trigger_type, config: b.config ?? null }));
  return d;
}

/** Packages of the built-in trigger types, for `worker_name` (§5). */
const KNOWN_PACKAGES = new Map<string, string>([
  ['http', 'iii-http'],
  ['cron', 'iii-cron'],
  ['subscribe', 'iii-pubsub'],
  ['state', 'iii-state'],
  ['stream', 'iii-stream'],
  ['engine::functions-available', ENGINE_FUNCTIONS_WORKER],
  ['engine::workers-available', ENGINE_FUNCTIONS_WORKER],
]);

export function typeWorkerName(t: TriggerTypeEntry): string {
  return t.conn?.name ?? t.inProcess?.workerName ?? KNOWN_PACKAGES.get(t.id) ?? t.id.split('::')[0] ?? t.id;
}

export function typeRow(t: TriggerTypeEntry): Obj {
  return { id: t.id, namespace: t.namespace, worker_name: typeWorkerName(t), description: t.description };
}

export function typeDetail(services: BuiltinServices, t: TriggerTypeEntry): Obj {
  const d = typeRow(t);
  if (t.trigger_request_format !== undefined) d.configuration_schema = t.trigger_request_format;
  if (t.call_request_format !== undefined) d.request_schema = t.call_request_format;
  const key = nsKey(t.namespace, t.id);
  d.instance_count = [...services.triggers.live.values()].filter((b) => b.resolvedKey === key).length;
  return d;
}

export function bindingWorkerName(b: Binding): string | null {
  return b.originator?.name ?? null;
}

/** `config_summary`: the config as JSON, cut at 80 characters + `…` (§5). */
function configSummary(config: unknown): string {
  const chars = [...JSON.stringify(config ?? null)];
  return chars.length > 80 ? `${chars.slice(0, 80).join('')}…` : chars.join('');
}

export function bindingRow(b: Binding): Obj {
  return {
    id: b.id,
    trigger_type: b.trigger_type,
    function_id: b.function_id,
    worker_name: bindingWorkerName(b),
    config: b.config ?? null,
    config_summary: configSummary(b.config),
  };
}
