/** Checks of what users pass in; each failure names the argument and what to give instead. */
import type { HttpInvocationConfig } from './types.js';

export function notBlank(name: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new TypeError(`${name} must be a non-empty string, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** True for a namespace that was given but names nothing (absent is fine: the default applies). */
export function isBlankNamespace(value: unknown): boolean {
  return value !== undefined && (typeof value !== 'string' || value.trim() === '');
}

/** An optional name: absent is fine (a default applies), given but blank is a TypeError. */
export function optionalName(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (isBlankNamespace(value)) throw new TypeError(`${name} is empty (or only spaces): give it a name, or omit it`);
  return value;
}

export function isHttpConfig(value: unknown): value is HttpInvocationConfig {
  return value !== null && typeof value === 'object' && typeof (value as { url?: unknown }).url === 'string';
}

/** Duck-typed: polyfilled and cross-realm AbortSignals are accepted. */
export function isAbortSignal(value: unknown): value is AbortSignal {
  const s = value as AbortSignal | null;
  return typeof s === 'object' && s !== null && typeof s.aborted === 'boolean' && typeof s.addEventListener === 'function';
}

/** A promise, or anything `await` would treat as one (a handler's result, an address function's). */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as { then?: unknown }).then === 'function';
}

/** A callback argument: a TypeError at once, not a failure when it is first called. */
export function assertFunction(name: string, value: unknown): void {
  if (typeof value !== 'function') throw new TypeError(`${name} must be a function, got ${value === null ? 'null' : typeof value}`);
}
