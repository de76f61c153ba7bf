/**
 * The checks of `registerWorker`'s options that need more than a type test (issue 10 item 6,
 * issue 13 "Options"): unknown keys (with the closest valid name), upgrade headers that no
 * runtime could send, and the option names of the official `iii-sdk`, mapped onto ours (docs/guide.md
 * "Options of iii-sdk"). Every failure is a `TypeError` naming the option and the fix; no message
 * quotes a header value. Messages are short: every page downloads them.
 */
import { redactUrl } from './redact.js';

/** Every key `InitOptions` has, the `iii-sdk` aliases included. */
export const OPTION_KEYS = [
  'workerName',
  'workerDescription',
  'namespace',
  'headers',
  'invocationTimeoutMs',
  'reconnect',
  'heartbeat',
  'handshakeTimeoutMs',
  'logLevel',
  'WebSocket',
  'onAuthError',
  'propagator',
  'maxMessageBytes',
  'retryUndelivered',
  'sendStackTraces',
  'reconnectionConfig',
  'otel',
  'enableMetricsReporting',
];

/** Throws for a key of `value` that is not in `known`, naming the closest valid one. */
export function checkKeys(where: string, value: object, known: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const near = closest(key, known);
    throw new TypeError(`${where}: unknown option "${key}"; ${near ? `did you mean "${near}"?` : `valid options: ${known.join(', ')}`}`);
  }
}

/**
 * The valid name nearest to `key`, if near enough to be a slip: case ignored, at most 40 % of its
 * letters changed (edit distance), or the start of a longer name (`jitter` → `jitterFactor`).
 */
function closest(key: string, known: readonly string[]): string | undefined {
  const k = key.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.ceil(k.length * 0.4)) + 1;
  for (const name of known) {
    const n = name.toLowerCase();
    // Levenshtein distance, one row at a time.
    let row = Array.from({ length: n.length + 1 }, (_, j) => j);
    for (let i = 1; i <= k.length; i++) {
      const next = [i];
      for (let j = 1; j <= n.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (k[i - 1] === n[j - 1] ? 0 : 1));
      row = next;
    }
    const d = k.length > 3 && n.startsWith(k) ? 1 : row[n.length]!;
    if (d < bestDistance) [best, bestDistance] = [name, d];
  }
  return best;
}

/**
 * Upgrade headers as an HTTP request can carry them (RFC 9110 §5.1, §5.5): a token as the name,
 * visible characters, spaces and tabs as the value. Anything else fails every dial, so it fails
 * here instead of making the client retry forever.
 */
export function checkHeaders(headers: unknown): void {
  if (headers === null || typeof headers !== 'object') throw new TypeError('headers must be an object');
  for (const [name, value] of Object.entries(headers)) {
    const bad = !/^[!#$%&'*+.^_`|~\w-]+$/.test(name)
      ? 'is not a valid header name'
      : typeof value !== 'string'
        ? `must be a string, got ${typeof value}`
        : // The value itself is never quoted: it is usually a credential.
          /[^\t\x20-\x7e\x80-\xff]/.test(value) && 'holds a line break or another control character';
    if (bad) throw new TypeError(`headers[${JSON.stringify(name)}] ${bad}`);
  }
}

/**
 * What is wrong with `address` as an engine address, or `undefined` when it is a ws:// or wss://
 * URL. The address is shown without its query values: it may carry a token (redact.ts).
 */
export function addressProblem(address: unknown): string | undefined {
  if (typeof address !== 'string') return `${address === null ? 'null' : typeof address}, not a ws:// or wss:// URL`;
  try {
    const { protocol } = new URL(address);
    if (protocol === 'ws:' || protocol === 'wss:') return undefined;
  } catch {
    // Not a URL at all: same message.
  }
  return `"${redactUrl(address)}": expected a ws:// or wss:// URL`;
}

/** `iii-sdk`'s `reconnectionConfig` field → ours (`maxRetries: -1` is `Infinity`). */
const RECONNECT_ALIAS: Record<string, string> = {
  initialDelayMs: 'initialDelayMs',
  maxDelayMs: 'maxDelayMs',
  backoffMultiplier: 'multiplier',
  jitterFactor: 'jitter',
  maxRetries: 'maxRetries',
};

/**
 * `iii-sdk`'s options in our terms: `reconnectionConfig` becomes `reconnect`; `otel` and
 * `enableMetricsReporting` ask for OpenTelemetry, which this SDK does not have: turned off they
 * are no-ops, else they are accepted with a warning to log (the official SDK's own tests pass
 * `otel: { serviceName }`, so refusing it would break code that only changed its import).
 */
export function fromIiiSdk(o: Record<string, unknown>): { options: Record<string, unknown>; warnings: string[] } {
  const { reconnectionConfig: rc, otel, enableMetricsReporting: metrics, ...options } = o;
  if (rc !== undefined) {
    if (options.reconnect !== undefined) throw new TypeError('give reconnect or reconnectionConfig (its iii-sdk name), not both');
    if (rc === null || typeof rc !== 'object') throw new TypeError('reconnectionConfig must be an object');
    checkKeys('reconnectionConfig', rc, Object.keys(RECONNECT_ALIAS));
    const reconnect: Record<string, unknown> = {};
    for (const [from, value] of Object.entries(rc)) reconnect[RECONNECT_ALIAS[from]!] = from === 'maxRetries' && value === -1 ? Infinity : value;
    options.reconnect = reconnect;
  }
  if (otel !== undefined && otel !== false && (otel === null || typeof otel !== 'object')) throw new TypeError('otel must be an object or false');
  if (metrics !== undefined && typeof metrics !== 'boolean') throw new TypeError('enableMetricsReporting must be true or false');
  const wanted = metrics ? 'enableMetricsReporting' : otel && (otel as { enabled?: unknown }).enabled !== false ? 'otel' : '';
  return { options, warnings: wanted ? [`${wanted} is ignored: this SDK has no OpenTelemetry; pass trace context with the propagator option`] : [] };
}
