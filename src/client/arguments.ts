/** Checks of what users pass in, and encoding that turns a serialisation failure into a clear error. */
import { encodeFrame, type OutboundFrame } from '../protocol/index.js';
import type { HttpInvocationConfig } from '../types.js';
import { errorMessage } from './context.js';

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

export function isHttpConfig(value: unknown): value is HttpInvocationConfig {
  return value !== null && typeof value === 'object' && typeof (value as { url?: unknown }).url === 'string';
}

export function encodeOrThrow(frame: OutboundFrame, what: string): string {
  try {
    return encodeFrame(frame);
  } catch (err) {
    throw new TypeError(`${what}: not JSON-serializable: ${errorMessage(err)}`, { cause: err });
  }
}
