// RBAC sessions, auth input and the function-access decision (protocol.md §1.3, §3.15).
import type { IncomingMessage } from 'node:http';
import { DEFAULT_NS } from './namespaces.js';

export interface RbacConfig {
  auth_function_id?: string;
  on_function_registration_function_id?: string;
  on_trigger_registration_function_id?: string;
  on_trigger_type_registration_function_id?: string;
  expose_functions?: Array<string | { match?: string; metadata?: Record<string, unknown>; namespace?: string }>;
}

/** The per-connection session produced by auth (§1.3 AuthResult with defaults applied). */
export interface Session {
  namespaces: Record<string, string[]>;
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
    namespaces: {},
    allowed_functions: [],
    forbidden_functions: [],
    allowed_trigger_types: undefined,
    allow_trigger_type_registration: true,
    allow_function_registration: true,
    context: {},
    function_registration_prefix: undefined,
  };
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function strList(v: unknown, field: string): string[] {
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
    throw new Error(`invalid type for \`${field}\`: expected a sequence of strings`);
  }
  return v as string[];
}

/**
 * Decodes an auth function result into a session (§1.3). Throws with a decode-error text when
 * the result does not decode; unknown keys are ignored; `null` fields count as absent.
 */
export function decodeAuthResult(result: unknown): Session {
  if (!isObj(result)) throw new Error('invalid type: expected struct AuthResult');
  const s = permissiveSession();
  s.allow_trigger_type_registration = false; // AuthResult default (§1.3 table)
  const get = (k: string): unknown => (result[k] === null ? undefined : result[k]);
  const ns = get('namespaces');
  if (ns !== undefined) {
    if (!isObj(ns)) throw new Error('invalid type for `namespaces`: expected a map');
    for (const [k, v] of Object.entries(ns)) s.namespaces[k] = strList(v, `namespaces.${k}`);
  }
  if (get('allowed_functions') !== undefined) s.allowed_functions = strList(result.allowed_functions, 'allowed_functions');
  if (get('forbidden_functions') !== undefined) s.forbidden_functions = strList(result.forbidden_functions, 'forbidden_functions');
  if (get('allowed_trigger_types') !== undefined) s.allowed_trigger_types = strList(result.allowed_trigger_types, 'allowed_trigger_types');
  for (const k of ['allow_trigger_type_registration', 'allow_function_registration'] as const) {
    const v = get(k);
    if (v === undefined) continue;
    if (typeof v !== 'boolean') throw new Error(`invalid type for \`${k}\`: expected a boolean`);
    s[k] = v;
  }
  if (get('context') !== undefined) s.context = result.context;
  const prefix = get('function_registration_prefix');
  if (prefix !== undefined) {
    if (typeof prefix !== 'string') throw new Error('invalid type for `function_registration_prefix`: expected a string');
    s.function_registration_prefix = prefix;
  }
  return s;
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
  return ak.every((k) => k in bo && jsonEqual(ao[k], bo[k]));
}

interface ExposeFilter {
  namespace: string;
  glob: string | undefined;
  metadata: Record<string, unknown> | undefined;
}

export function compileExposeFilters(list: RbacConfig['expose_functions']): ExposeFilter[] {
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
    const have = metadata[k];
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
export function decide(
  session: Session,
  rbac: RbacConfig | undefined,
  filters: ExposeFilter[],
  id: string,
  ns: string,
  metadataOf: () => unknown,
): Decision {
  if (session.forbidden_functions.includes(id)) return { allowed: false, forbiddenExplicitly: true };
  const grants = session.namespaces[ns];
  if (grants && grants.some((g) => grantCovers(g, id))) return { allowed: true };
  if (ns === DEFAULT_NS && session.allowed_functions.includes(id)) return { allowed: true };
  if (INFRASTRUCTURE_IDS.has(id)) return { allowed: true };
  if (!rbac) return { allowed: true };
  for (const f of filters) {
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

function isVisibleAscii(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c !== 0x09 && (c < 0x20 || c > 0x7e)) return false;
  }
  return true;
}

/**
 * §1.3 auth input: every upgrade header (lower-case names, last value wins, values that are not
 * visible ASCII dropped); query split on `&` and the first `=`, not URL-decoded, repeated keys
 * accumulate, empty names skipped; the peer IP.
 */
export function buildAuthInput(req: IncomingMessage): { headers: Record<string, string>; query_params: Record<string, string[]>; ip_address: string } {
  const headers: Record<string, string> = {};
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] ?? '').toLowerCase();
    const value = raw[i + 1] ?? '';
    if (!isVisibleAscii(value)) continue;
    headers[name] = value;
  }
  const query_params: Record<string, string[]> = {};
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  if (q >= 0) {
    for (const part of url.slice(q + 1).split('&')) {
      const eq = part.indexOf('=');
      const k = eq < 0 ? part : part.slice(0, eq);
      const v = eq < 0 ? '' : part.slice(eq + 1);
      if (k === '') continue;
      (query_params[k] ??= []).push(v);
    }
  }
  let ip = req.socket.remoteAddress ?? '';
  if (ip.startsWith('::ffff:')) ip = ip.slice(7);
  return { headers, query_params, ip_address: ip };
}
