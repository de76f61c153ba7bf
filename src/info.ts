/**
 * Introspection shapes of the seed (`FunctionInfo`, `TriggerInfo`, `WorkerInfo`), filled from
 * the engine's `engine::functions::list`, `engine::registered-triggers::list` and
 * `engine::workers::list` (protocol.md §5). Engine-only fields are kept as optional extras.
 */

export interface FunctionInfo {
  function_id: string;
  description?: string;
  request_format?: unknown;
  response_format?: unknown;
  metadata?: Record<string, unknown>;
  /** Namespace the function lives in (engine `FunctionSummary.namespace`). */
  namespace?: string;
  /** Announced name of the owning worker. */
  worker_name?: string;
}

export interface TriggerInfo {
  id: string;
  trigger_type: string;
  function_id: string;
  config?: unknown;
  metadata?: Record<string, unknown>;
  worker_name?: string;
}

export interface WorkerInfo {
  id: string;
  name: string | null;
  description?: string | null;
  version?: string | null;
  namespace?: string | null;
  runtime: string | null;
  os?: string | null;
  status: string;
  function_count: number;
  connected_at_ms: number;
  active_invocations: number;
  isolation?: string | null;
  ip_address?: string | null;
}

type Row = Record<string, unknown>;

function rows(result: unknown, key: string): Row[] {
  const list = result && typeof result === 'object' ? (result as Row)[key] : undefined;
  return Array.isArray(list) ? (list.filter((r) => r && typeof r === 'object') as Row[]) : [];
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const obj = (v: unknown): Record<string, unknown> | undefined =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

function defined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

/** `{functions: FunctionSummary[]}` → `FunctionInfo[]`; also accepts `request_schema` from detail rows. */
export function toFunctionInfos(result: unknown): FunctionInfo[] {
  return rows(result, 'functions').map((r) =>
    defined({
      function_id: String(r.function_id),
      description: str(r.description),
      request_format: r.request_format ?? r.request_schema ?? undefined,
      response_format: r.response_format ?? r.response_schema ?? undefined,
      metadata: obj(r.metadata),
      namespace: str(r.namespace),
      worker_name: str(r.worker_name),
    }),
  );
}

export function toTriggerInfos(result: unknown): TriggerInfo[] {
  return rows(result, 'registered_triggers').map((r) =>
    defined({
      id: String(r.id),
      trigger_type: String(r.trigger_type),
      function_id: String(r.function_id),
      config: r.config ?? undefined,
      metadata: obj(r.metadata),
      worker_name: str(r.worker_name),
    }),
  );
}

export function toWorkerInfos(result: unknown): WorkerInfo[] {
  const nullableStr = (v: unknown) => (typeof v === 'string' ? v : null);
  const num = (v: unknown) => (typeof v === 'number' ? v : 0);
  return rows(result, 'workers').map((r) => ({
    id: String(r.id),
    name: nullableStr(r.name),
    description: nullableStr(r.description),
    version: nullableStr(r.version),
    namespace: nullableStr(r.namespace),
    runtime: nullableStr(r.runtime),
    os: nullableStr(r.os),
    status: String(r.status ?? 'unknown'),
    function_count: num(r.function_count),
    connected_at_ms: num(r.connected_at_ms),
    active_invocations: num(r.active_invocations),
    isolation: nullableStr(r.isolation),
    ip_address: nullableStr(r.ip_address),
  }));
}
