// Built-in `engine::*` functions and in-process trigger types (protocol.md §1.2, §3.7, §4.1,
// §5, §6.4, §8 items 3–9, 13, 38, 39).
import type { Engine } from './engine.js';
import { ENGINE_VERSION, isInternalFunction } from './engine.js';
import type { WorkerConnection } from './connection.js';
import type { FunctionEntry, Outcome, CallContext } from './functions.js';
import type { Binding, TriggerTypeEntry } from './triggers.js';
import { forbiddenMessage } from './rbac.js';
import { DEFAULT_NS, blankRegisterMessage, isBlank, nsKey, sanitizeWorkerText } from './namespaces.js';
import { newUuid } from './uuid.js';

const ENGINE_FUNCTIONS = 'iii-engine-functions';
const OBSERVABILITY = 'iii-observability';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const ok = (result?: unknown): Outcome => ({ ok: true, result });
const fail = (code: string, message: string): Outcome => ({ ok: false, error: { code, message } });

class InputError extends Error {}

/** Typed accessors over a builtin's input; a mistyped field fails the whole input (§5). */
class Input {
  constructor(private readonly o: Obj) {}
  str(k: string, required = false): string | undefined {
    const v = this.o[k];
    if (v === undefined || v === null) {
      if (required) throw new InputError(`missing field \`${k}\``);
      return undefined;
    }
    if (typeof v !== 'string') throw new InputError(`invalid type for \`${k}\`: expected a string`);
    return v;
  }
  bool(k: string): boolean | undefined {
    const v = this.o[k];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') throw new InputError(`invalid type for \`${k}\`: expected a boolean`);
    return v;
  }
  uint(k: string): number | undefined {
    const v = this.o[k];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new InputError(`invalid value for \`${k}\`: expected usize`);
    return v;
  }
  strList(k: string): string[] | undefined {
    const v = this.o[k];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new InputError(`invalid type for \`${k}\`: expected a sequence of strings`);
    return v as string[];
  }
  obj(k: string): Obj | undefined {
    const v = this.o[k];
    if (v === undefined || v === null) return undefined;
    if (!isObj(v)) throw new InputError(`invalid type for \`${k}\`: expected a map`);
    return v;
  }
  any(k: string): unknown {
    const v = this.o[k];
    return v === null ? undefined : v;
  }
}

type Handler = (input: Input, ctx: CallContext, raw: Obj) => Outcome | Promise<Outcome>;

/** Wraps a handler with the `deserialization_error` rule for non-object / mistyped input. */
function builtin(id: string, h: Handler) {
  return (data: unknown, ctx: CallContext): Outcome | Promise<Outcome> => {
    if (!isObj(data)) {
      const got = data === null ? 'null' : Array.isArray(data) ? 'a sequence' : typeof data;
      return fail('deserialization_error', `Failed to deserialize input for ${id}: invalid type: ${got}, expected a map`);
    }
    try {
      return h(new Input(data), ctx, data);
    } catch (e) {
      if (e instanceof InputError) return fail('deserialization_error', `Failed to deserialize input for ${id}: ${e.message}`);
      throw e;
    }
  };
}

function cmp(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

export function installBuiltins(engine: Engine): void {
  const reg = (id: string, worker: string, h: Handler, description?: string): void =>
    engine.registerBuiltin(id, worker, builtin(id, h), description);

  // -------------------------------------------------------------- engine::workers::register (§1.2)
  reg('engine::workers::register', ENGINE_FUNCTIONS, (inp) => {
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
    const conn = engine.connections.get(callerId);
    if (!conn) return fail('NOT_FOUND', `worker ${callerId} is not connected`);
    const name = sanitizeWorkerText(rawName);
    const description = sanitizeWorkerText(rawDescription);
    if (declared !== undefined && isBlank(declared)) {
      return fail('INVALID_NAMESPACE', blankRegisterMessage(name, declared));
    }
    const fixedNow = engine.fixNamespace(conn, declared ?? DEFAULT_NS);
    if (!fixedNow && declared !== undefined && declared !== conn.namespace) {
      engine.log('info', `late register: namespace already fixed to ${conn.namespace}; declared ${declared} ignored`);
    }
    const ns = conn.namespace ?? DEFAULT_NS;
    if (name !== undefined) {
      // Worker-name lease (§1.2, §8 items 3, 4, 6, 7).
      const key = nsKey(ns, name);
      const holder = engine.nameLeases.get(key);
      if (holder && holder !== conn && holder.alive && !holder.tearingDown) {
        conn.rejected = true;
        conn.buffer.length = 0;
        conn.send({ type: 'registrationrejected', code: 'WORKER_NAMESPACE_CONFLICT', namespace: ns, worker_name: name, owner_worker_id: holder.id });
        conn.closeWithoutCode();
        return ok({ success: false });
      }
      engine.nameLeases.set(key, conn);
      if (!conn.leasedNames.includes(key)) conn.leasedNames.push(key);
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
    void engine.drain(conn);
    engine.fireWorkersAvailable({ event: 'worker_metadata_updated', worker_id: conn.id });
    return ok({ success: true });
  });

  // -------------------------------------------------------------- engine::channels::create (§4.1)
  reg('engine::channels::create', ENGINE_FUNCTIONS, (inp) => {
    const size = inp.uint('buffer_size');
    return ok(engine.channels.create(size));
  });

  // -------------------------------------------------------------- functions
  const visible = (ctx: CallContext, e: FunctionEntry): boolean => engine.decideFor(ctx.caller, e.id, e.namespace).allowed;

  const detail = (e: FunctionEntry): Obj => {
    const d: Obj = { function_id: e.id, namespace: e.namespace, worker_name: engine.workerNameOf(e) };
    if (e.description !== undefined) d.description = e.description;
    if (e.request_format !== undefined) d.request_schema = e.request_format;
    if (e.response_format !== undefined) d.response_schema = e.response_format;
    if (e.metadata !== undefined) d.metadata = e.metadata;
    d.registered_triggers = [...engine.triggers.live.values()]
      .filter((b) => b.function_id === e.id && (b.namespace ?? DEFAULT_NS) === e.namespace)
      .map((b) => ({ id: b.id, trigger_type: b.trigger_type, config: b.config ?? null }));
    return d;
  };

  reg('engine::functions::list', ENGINE_FUNCTIONS, (inp, ctx) => {
    const search = inp.str('search');
    const prefix = inp.str('prefix');
    const worker = inp.str('worker');
    const workers = inp.strList('workers');
    const includeInternal = inp.bool('include_internal') ?? false;
    const names = [...(worker !== undefined ? [worker] : []), ...(workers ?? [])];
    let rows = engine.functions
      .all()
      .filter((e) => includeInternal || !isInternalFunction(e))
      .filter((e) => prefix === undefined || e.id.startsWith(prefix))
      .filter((e) => names.length === 0 || names.includes(engine.workerNameOf(e)))
      .filter((e) => visible(ctx, e));
    // §8 item 39: search ranks 0 (prefix or segment), 1 (id contains), 2 (description only).
    const rank = (e: FunctionEntry): number => {
      if (search === undefined) return 0;
      const q = search.toLowerCase();
      const id = e.id.toLowerCase();
      if (id.startsWith(q) || id.split('::').includes(q)) return 0;
      if (id.includes(q)) return 1;
      if ((e.description ?? '').toLowerCase().includes(q)) return 2;
      return 3;
    };
    if (search !== undefined) rows = rows.filter((e) => rank(e) < 3);
    rows.sort((a, b) => rank(a) - rank(b) || cmp(a.id, b.id) || cmp(a.namespace, b.namespace));
    return ok({ functions: rows.map((e) => engine.functionSummary(e)) });
  });

  reg('engine::functions::info', ENGINE_FUNCTIONS, (inp, ctx) => {
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
      let matches: FunctionEntry[];
      if (ns !== undefined) {
        const e = engine.functions.get(ns, id);
        matches = e ? [e] : [];
      } else {
        matches = engine.functions.all().filter((e) => e.id === id);
      }
      if (matches.length === 0) return { error: 'not_found' };
      if (matches.length > 1) return { error: 'ambiguous' };
      const e = matches[0]!;
      if (!visible(ctx, e)) return { error: 'forbidden' };
      return { entry: e };
    };
    if (single !== undefined) {
      const r = lookup(single);
      if (r.entry) return ok(detail(r.entry));
      if (r.error === 'forbidden') return fail('FORBIDDEN', forbiddenMessage(single, false));
      if (r.error === 'ambiguous') {
        return fail('NOT_FOUND', `Function '${single}' is registered in several namespaces; pass \`namespace\`.`);
      }
      return fail('NOT_FOUND', `Function '${single}' is not registered.`);
    }
    return ok({
      functions: batch!.map((id) => {
        const r = lookup(id);
        if (r.entry) return detail(r.entry);
        return { function_id: id, error: r.error === 'forbidden' ? 'forbidden' : 'not_found' };
      }),
    });
  });

  // -------------------------------------------------------------- trigger types
  const KNOWN_PACKAGES: Record<string, string> = {
    http: 'iii-http',
    cron: 'iii-cron',
    subscribe: 'iii-pubsub',
    state: 'iii-state',
    stream: 'iii-stream',
    'engine::functions-available': ENGINE_FUNCTIONS,
    'engine::workers-available': ENGINE_FUNCTIONS,
  };
  const typeWorkerName = (t: TriggerTypeEntry): string =>
    t.conn?.name ?? t.inProcess?.workerName ?? KNOWN_PACKAGES[t.id] ?? t.id.split('::')[0] ?? t.id;
  const typeRow = (t: TriggerTypeEntry): Obj => ({ id: t.id, namespace: t.namespace, worker_name: typeWorkerName(t), description: t.description });
  const typeDetail = (t: TriggerTypeEntry): Obj => {
    const d = typeRow(t);
    if (t.trigger_request_format !== undefined) d.configuration_schema = t.trigger_request_format;
    if (t.call_request_format !== undefined) d.request_schema = t.call_request_format;
    const key = nsKey(t.namespace, t.id);
    d.instance_count = [...engine.triggers.live.values()].filter((b) => b.resolvedKey === key).length;
    return d;
  };

  reg('engine::triggers::list', ENGINE_FUNCTIONS, (inp) => {
    const search = inp.str('search')?.toLowerCase();
    const prefix = inp.str('prefix');
    const worker = inp.str('worker');
    const includeInternal = inp.bool('include_internal') ?? false;
    const rows = [...engine.triggers.types.values()]
      .filter((t) => includeInternal || !t.id.startsWith('engine::'))
      .filter((t) => prefix === undefined || t.id.startsWith(prefix))
      .filter((t) => worker === undefined || typeWorkerName(t) === worker)
      .filter((t) => search === undefined || t.id.toLowerCase().includes(search) || t.description.toLowerCase().includes(search))
      .sort((a, b) => cmp(a.id, b.id) || cmp(a.namespace, b.namespace));
    return ok({ triggers: rows.map(typeRow) });
  });

  reg('engine::triggers::info', ENGINE_FUNCTIONS, (inp) => {
    const id = inp.str('id', true)!;
    const ns = inp.str('namespace');
    const matches = [...engine.triggers.types.values()].filter((t) => t.id === id && (ns === undefined || t.namespace === ns));
    if (matches.length === 0) return fail('NOT_FOUND', `Trigger type '${id}' is not registered.`);
    if (matches.length > 1) return fail('NOT_FOUND', `Trigger type '${id}' is registered in several namespaces; pass \`namespace\`.`);
    return ok(typeDetail(matches[0]!));
  });

  // -------------------------------------------------------------- registered triggers
  const bindingWorkerName = (b: Binding): string | null => b.originator?.name ?? null;
  const configSummary = (config: unknown): string => {
    const s = JSON.stringify(config ?? null);
    const chars = [...s];
    return chars.length > 80 ? `${chars.slice(0, 80).join('')}…` : s;
  };
  const bindingRow = (b: Binding): Obj => ({
    id: b.id,
    trigger_type: b.trigger_type,
    function_id: b.function_id,
    worker_name: bindingWorkerName(b),
    config: b.config ?? null,
    config_summary: configSummary(b.config),
  });

  reg('engine::registered-triggers::list', ENGINE_FUNCTIONS, (inp) => {
    const search = inp.str('search')?.toLowerCase();
    const type = inp.str('trigger_type');
    const fn = inp.str('function_id');
    const worker = inp.str('worker');
    const includeInternal = inp.bool('include_internal') ?? false;
    const rows = [...engine.triggers.live.values()]
      .filter((b) => includeInternal || (!b.trigger_type.startsWith('engine::') && !b.function_id.startsWith('engine::')))
      .filter((b) => type === undefined || b.trigger_type === type)
      .filter((b) => fn === undefined || b.function_id === fn)
      .filter((b) => worker === undefined || bindingWorkerName(b) === worker)
      .filter(
        (b) =>
          search === undefined ||
          b.id.toLowerCase().includes(search) ||
          b.function_id.toLowerCase().includes(search) ||
          b.trigger_type.toLowerCase().includes(search),
      )
      .sort((a, b) => cmp(a.id, b.id));
    return ok({ registered_triggers: rows.map(bindingRow) });
  });

  reg('engine::registered-triggers::info', ENGINE_FUNCTIONS, (inp) => {
    const id = inp.str('id', true)!;
    const b = engine.triggers.live.get(id) ?? engine.triggers.parked.get(id);
    if (!b) return fail('NOT_FOUND', `Trigger '${id}' is not registered.`);
    const row = bindingRow(b);
    delete row.config_summary;
    if (b.metadata !== undefined) row.metadata = b.metadata;
    const t = b.resolvedKey !== undefined ? engine.triggers.types.get(b.resolvedKey) : engine.triggers.resolve(b);
    row.trigger = t ? typeDetail(t) : null;
    const f = engine.functions.get(b.namespace ?? DEFAULT_NS, b.function_id);
    row.function = f ? detail(f) : null;
    return ok(row);
  });

  // -------------------------------------------------------------- workers (§5, §8 item 38)
  const wsSummary = (c: WorkerConnection): Obj => {
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
      function_count: engine.functions.ownedBy(c).length,
      connected_at_ms: c.connectedAt,
      active_invocations: engine.invocations.activeFor(c),
      isolation: m?.isolation ?? null,
      ip_address: c.ipAddress || null,
    };
  };
  const inProcSummary = (w: { name: string; id: string }): Obj => ({
    name: w.name,
    description: null,
    version: ENGINE_VERSION,
    id: w.id,
    namespace: DEFAULT_NS,
    runtime: 'engine',
    os: null,
    status: 'available',
    function_count: engine.functions.all().filter((e) => e.inProcessWorker === w.name).length,
    connected_at_ms: engine.startedAt,
    active_invocations: 0,
    isolation: 'in-process',
    ip_address: null,
  });
  const allWorkers = (): Array<{ summary: Obj; conn?: WorkerConnection; inProc?: string }> => [
    ...engine.inProcessWorkers.map((w) => ({ summary: inProcSummary(w), inProc: w.name })),
    // Quirk: WS workers without a pid are not listed (§5).
    ...[...engine.connections.values()].filter((c) => c.metadata?.pid !== undefined).map((c) => ({ summary: wsSummary(c), conn: c })),
  ];

  reg('engine::workers::list', ENGINE_FUNCTIONS, (inp) => {
    const search = inp.str('search')?.toLowerCase();
    const runtime = inp.str('runtime');
    const status = inp.str('status');
    const rows = allWorkers()
      .map((w) => w.summary)
      .filter((s) => search === undefined || String(s.name ?? '').toLowerCase().includes(search))
      .filter((s) => runtime === undefined || s.runtime === runtime)
      .filter((s) => status === undefined || s.status === status);
    return ok({ workers: rows });
  });

  reg('engine::workers::info', ENGINE_FUNCTIONS, (inp) => {
    const name = inp.str('name', true)!;
    const ns = inp.str('namespace');
    const inProc = engine.inProcessWorkers.find((w) => w.name === name);
    const conn = [...engine.connections.values()].find((c) => c.name === name && (ns === undefined || c.namespace === ns));
    if (!inProc && !conn) return fail('NOT_FOUND', `Worker '${name}' not found.`);
    const worker: Obj = inProc ? { ...inProcSummary(inProc), internal: true } : { ...wsSummary(conn!), internal: false };
    if (conn?.metadata?.pid !== undefined) worker.pid = conn.metadata.pid;
    const fns = engine.functions.all().filter((e) => (inProc ? e.inProcessWorker === inProc.name : e.owner === conn));
    const types = [...engine.triggers.types.values()].filter((t) => (inProc ? t.inProcess?.workerName === inProc.name : t.conn === conn));
    const bindings = [...engine.triggers.live.values()].filter((b) => (conn ? b.originator === conn : false));
    return ok({
      worker,
      functions: fns.map((e) => engine.functionSummary(e)),
      trigger_types: types.map(typeRow),
      registered_triggers: bindings.map(bindingRow),
    });
  });

  // -------------------------------------------------------------- function-path triggers (§3.7)
  reg('engine::register_trigger', ENGINE_FUNCTIONS, async (inp, ctx) => {
    const type = inp.str('trigger_type', true)!;
    const fn = inp.str('function_id', true)!;
    const tns = inp.str('trigger_namespace');
    const allowed = ctx.caller?.session.allowed_trigger_types;
    if (allowed !== undefined && !allowed.includes(type)) {
      return fail('FORBIDDEN', `trigger type '${type}' not allowed`);
    }
    const b: Binding = {
      id: newUuid(),
      trigger_type: type,
      function_id: fn,
      config: inp.any('config') ?? null,
      originator: undefined,
      createdAt: Date.now(),
    };
    const md = inp.any('metadata');
    if (md !== undefined) b.metadata = md;
    if (tns !== undefined) b.trigger_namespace = tns;
    const t = engine.triggers.resolve(b);
    const waitForAck = t?.conn !== undefined;
    const ack = waitForAck
      ? new Promise<Outcome>((resolve) => {
          const timer = setTimeout(() => {
            engine.ackWaiters.delete(b.id);
            resolve(ok({ id: b.id })); // no answer within 10 s → accepted
          }, 10000);
          timer.unref();
          engine.ackWaiters.set(b.id, (error) => {
            clearTimeout(timer);
            resolve(error ? fail('trigger_registration_failed', `${error.code}: ${error.message}`) : ok({ id: b.id }));
          });
        })
      : undefined;
    const reason = engine.triggers.place(b);
    if (reason !== undefined) {
      engine.ackWaiters.delete(b.id);
      return fail('trigger_registration_failed', reason);
    }
    if (ack && engine.triggers.live.has(b.id)) return ack;
    engine.ackWaiters.delete(b.id);
    return ok({ id: b.id });
  });

  reg('engine::unregister_trigger', ENGINE_FUNCTIONS, (inp) => {
    const id = inp.str('id', true)!;
    inp.str('trigger_type');
    return ok({ removed: engine.triggers.unbind(id) });
  });

  // -------------------------------------------------------------- observability (§5)
  for (const level of ['info', 'warn', 'error', 'debug', 'trace'] as const) {
    reg(`engine::log::${level}`, OBSERVABILITY, (inp) => {
      const message = inp.str('message', true)!;
      inp.str('trace_id');
      inp.str('span_id');
      inp.str('service_name');
      engine.log(level === 'trace' ? 'debug' : level, message, inp.any('data'));
      return ok(undefined);
    });
  }
  // W3C baggage `k=v;props,k2=v2` of the invoking frame (cheap stub of the real propagation).
  const parseBaggage = (ctx: CallContext): Record<string, string> => {
    const out: Record<string, string> = {};
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
      if (k) out[k] = v;
    }
    return out;
  };
  reg('engine::baggage::get', OBSERVABILITY, (inp, ctx) => {
    const key = inp.str('key', true)!;
    return ok({ value: parseBaggage(ctx)[key] ?? null });
  });
  reg('engine::baggage::set', OBSERVABILITY, (inp) => {
    inp.str('key', true);
    inp.str('value', true);
    return ok({ success: true, note: 'baggage is propagated through trace context; the reference engine does not persist it' });
  });
  reg('engine::baggage::get_all', OBSERVABILITY, (_inp, ctx) => ok({ baggage: parseBaggage(ctx) }));

  // -------------------------------------------------------------- optional queue provider (§3.6, §6.4)
  const queue = engine.settings.queue;
  if (queue) {
    const names = new Set(queue.queues);
    reg('engine::queue::enqueue', 'iii-queue', (inp) => {
      const q = (inp.str('queue') ?? '').trim();
      const fn = (inp.str('function_id') ?? '').trim();
      const receipt = (inp.str('messageReceiptId') ?? '').trim();
      const ns = inp.str('namespace') ?? DEFAULT_NS;
      if (q === '') return fail('invocation_failed', 'queue is required');
      if (fn === '') return fail('invocation_failed', 'function_id is required');
      if (receipt === '') return fail('invocation_failed', 'messageReceiptId is required');
      if (!names.has(q)) return fail('invocation_failed', `queue '${q}' is not defined; call queue::define before enqueueing`);
      const data = inp.any('data') ?? null;
      const timer = setTimeout(() => {
        if (!engine.isClosed) void engine.callInternal(ns, fn, data);
      }, queue.deliveryDelayMs ?? 0);
      timer.unref();
      return ok({ messageReceiptId: receipt });
    });
  }

  // -------------------------------------------------------------- in-process trigger types (§3.7)
  engine.registerInProcessTriggerType('http', 'HTTP API trigger', {
    workerName: 'iii-http',
    accept: (b) => {
      const c = b.config;
      if (!isObj(c) || typeof c.api_path !== 'string' || c.api_path === '') return 'api_path is required for http triggers';
      return undefined;
    },
  });
  engine.registerInProcessTriggerType('engine::functions-available', 'Fires when the set of registered functions changes', {
    workerName: ENGINE_FUNCTIONS,
    accept: () => undefined,
  });
  engine.registerInProcessTriggerType('engine::workers-available', 'Fires when workers connect, disconnect or update metadata', {
    workerName: ENGINE_FUNCTIONS,
    accept: () => undefined,
  });
}
