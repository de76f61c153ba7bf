// RBAC sessions and the function-access decision (protocol.md §1.3 session defaults, §3.15).
// How a session is obtained (the auth call) is auth.ts.
import { isObj } from './frames.js';
import { DEFAULT_NS } from './namespaces.js';
import type { ListenerConfig, RbacConfig } from './options.js';

/** The per-connection session produced by auth (§1.3 AuthResult with defaults applied). */
export interface Session {
  /** Grants per namespace; a Map, so a namespace called `constructor` is just a name. */
  namespaces: Map<string, string[]>;
  allowed_functions: string[];
  forbidden_functions: string[];
  allowed_trigger_types: string[] | undefined;
  allow_trigger_type_registration: boolean;
  allow_function_registration: boolean;
  context: unknown;
  function_registration_prefix: string | undefined;
}

/** Session used when the listener has no auth function (§1.3). */
export function permissiveSession(): Session {
  return {
    namespaces: new Map(),
    allowed_functions: [],
    forbidden_functions: [],
    allowed_trigger_types: undefined,
    allow_trigger_type_registration: true,
    allow_function_registration: true,
    context: {},
    function_registration_prefix: undefined,
  };
}

/** Glob with `*` = any run of characters (including `::` and empty), anchored (§3.15). */
export function globMatch(pattern: string, value: string): boolean {
  const parts = pattern.split('*');
  if (parts.length === 1) return pattern === value;
  const first = parts[0] ?? '';
  const last = parts[parts.length - 1] ?? '';
  if (!value.startsWith(first)) return false;
  let pos = first.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const p = parts[i] ?? '';
    const at = value.indexOf(p, pos);
    if (at < 0) return false;
    pos = at + p.length;
  }
  return value.length - pos >= last.length && value.endsWith(last);
}

/** `match("glob")` / `match('glob')` → the glob; otherwise undefined. */
export function parseMatchExpr(s: string): string | undefined {
  const m = /^match\((["'])(.*)\1\)$/s.exec(s.trim());
  return m ? m[2] : undefined;
}

/** A grant in `namespaces[N]`: exact id, bare wildcard `svc::*`, or `match("…")` (§3.15 rule 2). */
function grantCovers(grant: string, id: string): boolean {
  const glob = parseMatchExpr(grant);
  if (glob !== undefined) return globMatch(glob, id);
  if (grant.includes('*')) return globMatch(grant, id);
  return grant === id;
}

function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao);
  if (ak.length !== Object.keys(bo).length) return false;
  return ak.every((k) => Object.hasOwn(bo, k) && jsonEqual(ao[k], bo[k]));
}

interface ExposeFilter {
  namespace: string;
  glob: string | undefined;
  metadata: Record<string, unknown> | undefined;
}

/** What the RBAC decision and the middleware rule need to know about a listener. */
export interface ListenerPolicy {
  rbac: RbacConfig | undefined;
  middlewareFunctionId: string | undefined;
  exposeFilters: ExposeFilter[];
}

export function listenerPolicy(config: ListenerConfig): ListenerPolicy {
  return { rbac: config.rbac, middlewareFunctionId: config.middleware_function_id, exposeFilters: compileExposeFilters(config.rbac?.expose_functions) };
}

function compileExposeFilters(list: RbacConfig['expose_functions']): ExposeFilter[] {
  const out: ExposeFilter[] = [];
  for (const f of list ?? []) {
    if (typeof f === 'string') {
      // String form `match("…")`; a bare string is taken as a (possibly exact) glob.
      out.push({ namespace: DEFAULT_NS, glob: parseMatchExpr(f) ?? f, metadata: undefined });
    } else if (isObj(f)) {
      out.push({ namespace: f.namespace ?? DEFAULT_NS, glob: f.match, metadata: f.metadata });
    }
  }
  return out;
}

function metadataMatches(filter: Record<string, unknown>, metadata: unknown): boolean {
  if (!isObj(metadata)) return false;
  return Object.entries(filter).every(([k, want]) => {
    const have = Object.hasOwn(metadata, k) ? metadata[k] : undefined;
    if (typeof want === 'string') {
      const glob = parseMatchExpr(want);
      if (glob !== undefined) return typeof have === 'string' && globMatch(glob, have);
    }
    return have !== undefined && jsonEqual(want, have);
  });
}

/** §3.15 rule 4: ids every session may call. */
export const INFRASTRUCTURE_IDS = new Set([
  'engine::channels::create',
  'engine::workers::register',
  'engine::log::info',
  'engine::log::warn',
  'engine::log::error',
  'engine::log::debug',
  'engine::log::trace',
  'engine::baggage::get',
  'engine::baggage::set',
  'engine::baggage::get_all',
]);

export type Decision = { allowed: true } | { allowed: false; forbiddenExplicitly: boolean };

/**
 * §3.15 decision for function `id` in namespace `ns`, in order 1–5. `metadataOf` returns the
 * metadata of the function registered as `(ns, id)` (undefined when missing).
 */
export function decide(session: Session, policy: ListenerPolicy, id: string, ns: string, metadataOf: () => unknown): Decision {
  if (session.forbidden_functions.includes(id)) return { allowed: false, forbiddenExplicitly: true };
  const grants = session.namespaces.get(ns);
  if (grants && grants.some((g) => grantCovers(g, id))) return { allowed: true };
  if (ns === DEFAULT_NS && session.allowed_functions.includes(id)) return { allowed: true };
  if (INFRASTRUCTURE_IDS.has(id)) return { allowed: true };
  if (!policy.rbac) return { allowed: true };
  for (const f of policy.exposeFilters) {
    if (f.namespace !== ns) continue;
    if (f.glob === undefined && f.metadata === undefined) continue;
    if (f.glob !== undefined && !globMatch(f.glob, id)) continue;
    if (f.metadata !== undefined) {
      const md = metadataOf();
      if (md === undefined || !metadataMatches(f.metadata, md)) continue;
    }
    return { allowed: true };
  }
  return { allowed: false, forbiddenExplicitly: false };
}

/** §3.3 step 2 FORBIDDEN texts. */
export function forbiddenMessage(id: string, explicit: boolean): string {
  return explicit
    ? `function '${id}' not allowed (remove from rbac.forbidden_functions)`
    : `function '${id}' not allowed (add to rbac.expose_functions)`;
}
