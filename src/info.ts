/**
 * Introspection shapes of the seed (`FunctionInfo`, `TriggerInfo`, `WorkerInfo`) and the
 * listings that fill them from the engine's built-ins (protocol.md §5). Engine-only fields are
 * kept as optional extras. Loaded with the first listing (client.ts): most pages never list.
 *
 * The list built-ins return summaries without the formats of a function or the metadata of a
 * binding; the info built-ins have them. What each costs decides what is filled by default:
 * - formats: `engine::functions::info` takes up to 32 ids per call, so a listing of N functions
 *   costs 1 + ceil(N / 32) calls (4 at a time): filled unless `withFormats: false`;
 * - binding metadata: `engine::registered-triggers::info` takes one id per call, so it would cost
 *   one call per binding: filled only with `withMetadata: true` (8 at a time).
 */

/** A function (a row of `engine::functions::list`, with its formats from `engine::functions::info`). */
export interface FunctionInfo {
  function_id: string;
  description?: string;
  /**
   * The function's request format (JSON Schema or `RegisterFunctionFormat`). Absent when it has
   * none, when listed with `withFormats: false`, when the session may not read the function's
   * detail (RBAC `FORBIDDEN`), and in `onFunctionsAvailable` (the engine's event carries summaries).
   */
  request_format?: unknown;
  /** The response format, absent in the same cases as `request_format`. */
  response_format?: unknown;
  metadata?: Record<string, unknown>;
  /** Namespace the function lives in (engine `FunctionSummary.namespace`). */
  namespace?: string;
  /** Announced name of the owning worker. */
  worker_name?: string;
}

/** A trigger binding (a row of `engine::registered-triggers::list`). */
export interface TriggerInfo {
  id: string;
  trigger_type: string;
  function_id: string;
  config?: unknown;
  /**
   * The binding's metadata. Only with `listTriggers({ withMetadata: true })`: the list built-in
   * leaves it out and the info built-in costs one call per binding. Absent also when the binding
   * has none or went away between the two calls.
   */
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

/** Filters of `engine::functions::list` (§5, §8 item 39), and whether to fetch the formats. */
export interface ListFunctionsOptions {
  include_internal?: boolean;
  prefix?: string;
  search?: string;
  /** Worker names (exact match). */
  worker?: string;
  workers?: string[];
  /** Fill `request_format` / `response_format`: one more call per 32 functions. @default true */
  withFormats?: boolean;
}

/** Filters of `engine::registered-triggers::list` (§5), and whether to fetch each binding's metadata. */
export interface ListTriggersOptions {
  include_internal?: boolean;
  trigger_type?: string;
  function_id?: string;
  search?: string;
  worker?: string;
  /** Fill `metadata`: one more call per binding (the engine has no batch form). @default false */
  withMetadata?: boolean;
}

/** `III.trigger` as the listings use it. */
export type Caller = (request: { function_id: string; payload: Record<string, unknown> }) => Promise<unknown>;

/** `engine::functions::info` takes at most this many ids per call (§5). */
const INFO_BATCH = 32;

export async function listFunctions(call: Caller, options: ListFunctionsOptions): Promise<FunctionInfo[]> {
  const { withFormats = true, ...filters } = options;
  const infos = toFunctionInfos(await call({ function_id: 'engine::functions::list', payload: filters }));
  if (!withFormats) return infos;
  // One batch per namespace and 32 ids: an id is only unique within its namespace (§3.8).
  const batches: FunctionInfo[][] = [];
  const byNamespace = new Map<string | undefined, FunctionInfo[]>();
  for (const info of infos) byNamespace.set(info.namespace, [...(byNamespace.get(info.namespace) ?? []), info]);
  for (const group of byNamespace.values()) {
    for (let i = 0; i < group.length; i += INFO_BATCH) batches.push(group.slice(i, i + INFO_BATCH));
  }
  await eachLimited(batches, 4, async (batch) => {
    const payload: Record<string, unknown> = { function_ids: batch.map((f) => f.function_id) };
    if (batch[0]!.namespace !== undefined) payload.namespace = batch[0]!.namespace;
    const details = rows(await detail(call({ function_id: 'engine::functions::info', payload })), 'functions');
    // Rows come back in the order asked; a hidden or vanished function has an `error` row.
    batch.forEach((info, i) => {
      const d = details[i];
      if (!d || d.function_id !== info.function_id || d.error !== undefined) return;
      if (d.request_schema != null) info.request_format = d.request_schema;
      if (d.response_schema != null) info.response_format = d.response_schema;
    });
  });
  return infos;
}

export async function listTriggers(call: Caller, options: ListTriggersOptions): Promise<TriggerInfo[]> {
  const { withMetadata = false, ...filters } = options;
  const infos = toTriggerInfos(await call({ function_id: 'engine::registered-triggers::list', payload: filters }));
  if (withMetadata) {
    await eachLimited(infos, 8, async (info) => {
      const found = obj(await detail(call({ function_id: 'engine::registered-triggers::info', payload: { id: info.id } })));
      const metadata = obj(found?.metadata);
      if (metadata) info.metadata = metadata;
    });
  }
  return infos;
}

/**
 * An info call's result, or `undefined` where the engine will not or cannot say more: the
 * session may not read it (`FORBIDDEN`) or it went away meanwhile (`NOT_FOUND`). Any other
 * failure (timeout, lost connection) fails the listing.
 */
async function detail(result: Promise<unknown>): Promise<unknown> {
  try {
    return await result;
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (code === 'FORBIDDEN' || code === 'NOT_FOUND') return undefined;
    throw error;
  }
}

/** Runs `fn` on every item, at most `limit` at a time; the first failure fails the whole. */
async function eachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      try {
        await fn(items[next++]!);
      } catch (error) {
        failed = true; // the others stop starting new calls
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
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
