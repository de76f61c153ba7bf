// `engine::workers::register`, `engine::workers::list`, `engine::workers::info` (protocol.md §1.2,
// §5, §8 items 3–9, 38).
import type { WorkerConnection } from '../connection.js';
import { DEFAULT_NS, blankRegisterMessage, isBlank, sanitizeWorkerText } from '../namespaces.js';
import type { BuiltinServices } from '../services.js';
import { ENGINE_FUNCTIONS_WORKER, type InProcessWorker } from '../workers.js';
import { defineBuiltin, fail, ok, type Handler, type Obj } from './define.js';
import { bindingRow, functionSummary, typeRow } from './shapes.js';

export const ENGINE_VERSION = '0.23.0-rc.4';

/** §1.2 effects of `engine::workers::register` for the calling connection. */
function register(services: BuiltinServices): Handler {
  return (inp) => {
    const callerId = inp.str('_caller_worker_id', true)!;
    const runtime = inp.str('runtime');
    const version = inp.str('version');
    const rawName = inp.str('name');
    const rawDescription = inp.str('description');
    const os = inp.str('os');
    const pid = inp.uint('pid');
    const isolation = inp.str('isolation');
    const declared = inp.str('namespace');
    const telemetry = inp.obj('telemetry');
    const conn = services.workers.get(callerId);
    if (!conn) return fail('NOT_FOUND', `worker ${callerId} is not connected`);
    const name = sanitizeWorkerText(rawName);
    const description = sanitizeWorkerText(rawDescription);
    if (declared !== undefined && isBlank(declared)) return fail('INVALID_NAMESPACE', blankRegisterMessage(name, declared));
    const fixedNow = services.workers.fixNamespace(conn, declared ?? DEFAULT_NS);
    if (!fixedNow && declared !== undefined && declared !== conn.namespace) {
      services.log('info', `late register: namespace already fixed to ${conn.namespace}; declared ${declared} ignored`);
    }
    const ns = conn.namespace ?? DEFAULT_NS;
    if (name !== undefined) {
      // Worker-name lease (§1.2, §8 items 3, 4, 6, 7): a conflict is fatal (§3.12).
      const holder = services.workers.claimName(conn, ns, name);
      if (holder) {
        conn.rejected = true;
        conn.buffer.length = 0;
        void conn.send({ type: 'registrationrejected', code: 'WORKER_NAMESPACE_CONFLICT', namespace: ns, worker_name: name, owner_worker_id: holder.id }, conn);
        conn.closeWithoutCode();
        return ok({ success: false });
      }
    }
    // §8 item 4: runtime/version/telemetry always overwritten; others only when present.
    const prev = conn.metadata;
    conn.metadata = {
      runtime: runtime ?? 'unknown',
      version: version ?? null,
      telemetry: telemetry ?? null,
      name: name ?? prev?.name,
      description: description ?? prev?.description,
      os: os ?? prev?.os,
      pid: pid ?? prev?.pid,
      isolation: isolation ?? prev?.isolation,
      declaredNamespace: declared ?? prev?.declaredNamespace,
    };
    services.drain(conn);
    services.fireWorkersAvailable({ event: 'worker_metadata_updated', worker_id: conn.id });
    return ok({ success: true });
  };
}

function connectionSummary(services: BuiltinServices, c: WorkerConnection): Obj {
  const m = c.metadata;
  return {
    name: m?.name ?? null,
    description: m?.description ?? null,
    version: m?.version ?? null,
    id: c.id,
    namespace: c.namespace ?? DEFAULT_NS,
    runtime: m?.runtime ?? null,
    os: m?.os ?? null,
    status: 'connected',
    function_count: services.functions.ownedBy(c).length,
    connected_at_ms: c.connectedAt,
    active_invocations: services.activeInvocations(c),
    isolation: m?.isolation ?? null,
    ip_address: c.ipAddress || null,
  };
}

function inProcessSummary(services: BuiltinServices, w: InProcessWorker): Obj {
  return {
    name: w.name,
    description: null,
    version: ENGINE_VERSION,
    id: w.id,
    namespace: DEFAULT_NS,
    runtime: 'engine',
    os: null,
    status: 'available',
    function_count: services.functions.all().filter((e) => e.inProcessWorker === w.name).length,
    connected_at_ms: services.startedAt,
    active_invocations: 0,
    isolation: 'in-process',
    ip_address: null,
  };
}

export function installWorkerBuiltins(services: BuiltinServices): void {
  const define = (id: string, h: Handler): void => defineBuiltin(services, ENGINE_FUNCTIONS_WORKER, id, h);
  define('engine::workers::register', register(services));

  define('engine::workers::list', (inp) => {
    const search = inp.str('search')?.toLowerCase();
    const runtime = inp.str('runtime');
    const status = inp.str('status');
    const rows = [
      ...services.workers.inProcess.map((w) => inProcessSummary(services, w)),
      // Quirk: WS workers without a pid are not listed (§5).
      ...services.workers.all().filter((c) => c.metadata?.pid !== undefined).map((c) => connectionSummary(services, c)),
    ]
      .filter((s) => search === undefined || String(s.name ?? '').toLowerCase().includes(search))
      .filter((s) => runtime === undefined || s.runtime === runtime)
      .filter((s) => status === undefined || s.status === status);
    return ok({ workers: rows });
  });

  define('engine::workers::info', (inp) => {
    const name = inp.str('name', true)!;
    const ns = inp.str('namespace');
    const inProc = services.workers.inProcess.find((w) => w.name === name);
    const conn = services.workers.all().find((c) => c.name === name && (ns === undefined || c.namespace === ns));
    if (!inProc && !conn) return fail('NOT_FOUND', `Worker '${name}' not found.`);
    const worker: Obj = inProc ? { ...inProcessSummary(services, inProc), internal: true } : { ...connectionSummary(services, conn!), internal: false };
    if (conn?.metadata?.pid !== undefined) worker.pid = conn.metadata.pid;
    const fns = services.functions.all().filter((e) => (inProc ? e.inProcessWorker === inProc.name : e.owner === conn));
    const types = [...services.triggers.types.values()].filter((t) => (inProc ? t.inProcess?.workerName === inProc.name : t.conn === conn));
    const bindings = [...services.triggers.live.values()].filter((b) => (conn ? b.originator === conn : false));
    return ok({
      worker,
      functions: fns.map(functionSummary),
      trigger_types: types.map(typeRow),
      registered_triggers: bindings.map(bindingRow),
    });
  });
}
