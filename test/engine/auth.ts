// Authentication of a new connection on `/` or `/otel` (protocol.md §1.3): the auth input built
// from the upgrade request, the auth function call, and the AuthResult decoded into a session.
import type { IncomingMessage } from 'node:http';
import { isObj } from './frames.js';
import { DEFAULT_NS } from './namespaces.js';
import type { SendOwner } from './outbound.js';
import { permissiveSession, type ListenerPolicy, type Session } from './rbac.js';
import type { EngineCore } from './services.js';

export interface AuthInput {
  headers: Record<string, string>;
  query_params: Record<string, string[]>;
  ip_address: string;
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
 * accumulate, empty names skipped; the peer IP. Both maps have no prototype, so a client's
 * `?__proto__=x` or `?constructor=x` is an ordinary key.
 */
export function buildAuthInput(req: IncomingMessage): AuthInput {
  const headers = Object.create(null) as Record<string, string>;
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const value = raw[i + 1] ?? '';
    if (isVisibleAscii(value)) headers[(raw[i] ?? '').toLowerCase()] = value;
  }
  const query_params = Object.create(null) as Record<string, string[]>;
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  if (q >= 0) {
    for (const part of url.slice(q + 1).split('&')) {
      const eq = part.indexOf('=');
      const k = eq < 0 ? part : part.slice(0, eq);
      if (k === '') continue;
      (query_params[k] ??= []).push(eq < 0 ? '' : part.slice(eq + 1));
    }
  }
  let ip = req.socket.remoteAddress ?? '';
  if (ip.startsWith('::ffff:')) ip = ip.slice(7);
  return { headers, query_params, ip_address: ip };
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
  const get = (k: string): unknown => (Object.hasOwn(result, k) && result[k] !== null ? result[k] : undefined);
  const ns = get('namespaces');
  if (ns !== undefined) {
    if (!isObj(ns)) throw new Error('invalid type for `namespaces`: expected a map');
    for (const [k, v] of Object.entries(ns)) s.namespaces.set(k, strList(v, `namespaces.${k}`));
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

/**
 * §1.3: no auth function → a permissive session; otherwise the auth function is called in
 * `default` and its result decoded. A failure is the message of the `AUTH_ERROR` frame.
 */
export async function authenticate(
  core: EngineCore,
  input: AuthInput,
  policy: ListenerPolicy,
  owner: SendOwner | undefined,
): Promise<{ session: Session } | { error: string }> {
  const authId = policy.rbac?.auth_function_id;
  if (!authId) return { session: permissiveSession() };
  const outcome = await core.callInternal(DEFAULT_NS, authId, input, { owner });
  if (!outcome.ok) return { error: outcome.error.message };
  if (outcome.result === undefined || outcome.result === null) return { error: 'auth function returned no result' };
  try {
    return { session: decodeAuthResult(outcome.result) };
  } catch (e) {
    return { error: (e as Error).message };
  }
}
