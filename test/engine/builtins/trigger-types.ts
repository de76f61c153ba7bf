// The in-process trigger types (protocol.md §3.7 "Built-in trigger types", §6.3): `http` (accepts
// bindings; the reference engine serves no HTTP), `engine::functions-available` (a poll of the
// registered set) and `engine::workers-available` (fired by the engine on connect, disconnect
// and register).
import { isObj } from '../frames.js';
import { DEFAULT_NS, nsKey } from '../namespaces.js';
import type { BuiltinServices } from '../services.js';
import type { InProcessProvider } from '../triggers.js';
import { ENGINE_FUNCTIONS_WORKER } from '../workers.js';
import { allFunctionSummaries } from './shapes.js';

function registerType(services: BuiltinServices, id: string, description: string, provider: InProcessProvider): void {
  // No binding can be waiting for a type that is registered at start: nothing is delivered.
  services.triggers.registerType({ id, namespace: DEFAULT_NS, description, inProcess: provider }, () => undefined);
}

/** The set of registered `(namespace, function_id)` whose change fires functions-available. */
function functionsHash(services: BuiltinServices): string {
  return services.functions
    .all()
    .map((e) => nsKey(e.namespace, e.id))
    .sort()
    .join('\u0001');
}

export function installTriggerTypes(services: BuiltinServices): void {
  registerType(services, 'http', 'HTTP API trigger', {
    workerName: 'iii-http',
    accept: (b) => (isObj(b.config) && typeof b.config.api_path === 'string' && b.config.api_path !== '' ? undefined : 'api_path is required for http triggers'),
  });
  registerType(services, 'engine::functions-available', 'Fires when the set of registered functions changes', {
    workerName: ENGINE_FUNCTIONS_WORKER,
    accept: () => undefined,
  });
  registerType(services, 'engine::workers-available', 'Fires when workers connect, disconnect or update metadata', {
    workerName: ENGINE_FUNCTIONS_WORKER,
    accept: () => undefined,
  });

  // §3.7: every poll period, a changed set fires every binding with the unfiltered summaries.
  let last = functionsHash(services);
  services.timers.every(services.settings.functionsAvailablePollMs, () => {
    const now = functionsHash(services);
    if (now === last) return;
    last = now;
    const bindings = services.triggers.liveInProcess('engine::functions-available');
    if (bindings.length === 0) return;
    const functions = allFunctionSummaries(services, true);
    for (const b of bindings) services.fire(b, { event: 'functions_changed', functions });
  });
}
