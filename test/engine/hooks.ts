// RBAC registration hooks (protocol.md §3.15 "Hooks"): called from the connection's read loop in
// namespace `default`, without timeout. A JSON object allows (its keys may rewrite the
// registration); an error, no result or anything else is a silent denial.
import type { WorkerConnection } from './connection.js';
import { isObj } from './frames.js';
import { DEFAULT_NS } from './namespaces.js';
import type { EngineCore } from './services.js';

export type HookAnswer = { allowed: false } | { allowed: true; overrides: Record<string, unknown> };

const NO_HOOK: HookAnswer = { allowed: true, overrides: {} };

export async function callHook(core: EngineCore, conn: WorkerConnection, hookId: string | undefined, input: Record<string, unknown>): Promise<HookAnswer> {
  if (!hookId) return NO_HOOK;
  const o = await core.callInternal(DEFAULT_NS, hookId, input, { owner: conn });
  if (!o.ok || !isObj(o.result)) return { allowed: false };
  return { allowed: true, overrides: o.result };
}

/** The hook's value for `key` when it overrides it (an own key; `Object.prototype` names never count). */
export function override(answer: { overrides: Record<string, unknown> }, key: string): { value: unknown } | undefined {
  return Object.hasOwn(answer.overrides, key) ? { value: answer.overrides[key] } : undefined;
}
