/**
 * Keeping credentials out of what the SDK shows (issue 10 item 8). Credentials reach the engine in
 * the address's query and in upgrade headers (§1.3), so every query value, a password in the
 * address and every header value is a secret: none may appear in a message, `cause`, event or log
 * line. Addresses are shown through `redactUrl`; errors that come from elsewhere (a runtime's
 * WebSocket error may quote the whole URL: Bun does) go through `scrub`.
 */

/** `scheme://user:password@`, the password in group 2. */
const USERINFO = /^([^:/?]+:\/\/[^/@:]*):([^/@]*)@/;

/** Where an address holds secrets: each query parameter as [`key=`, value], and a password. */
function parse(url: string): { head: string; params: string[][]; password: string | undefined } {
  const whole = url.split('#')[0]!;
  const q = whole.indexOf('?');
  const head = q < 0 ? whole : whole.slice(0, q);
  // A parameter without `=` may be a bare token: all of it is the value.
  const params = q < 0 ? [] : whole.slice(q + 1).split('&').map((p) => (p.includes('=') ? [p.slice(0, p.indexOf('=') + 1), p.slice(p.indexOf('=') + 1)] : ['', p]));
  return { head, params, password: USERINFO.exec(head)?.[2] };
}

/** `url` as it may be shown: each query value and a password replaced by `***`, no fragment. Never throws. */
export function redactUrl(url: string): string {
  const { head, params } = parse(url);
  const shown = head.replace(USERINFO, '$1:***@');
  return params.length ? `${shown}?${params.map(([key, value]) => (key || value ? `${key}***` : '')).join('&')}` : shown;
}

/**
 * The secrets of a client: its address's query values and password (as written and decoded) and
 * its header values. Values under 4 characters are left out: masking `1` would garble every
 * number in a message, and so short a value guards nothing.
 */
export function secretsOf(url: string, headers: Record<string, string> | undefined): string[] {
  const { params, password } = parse(url);
  const all = new Set<string>();
  for (const s of [...Object.values(headers ?? {}), ...params.map((p) => p[1]!), password ?? '']) {
    all.add(s);
    try {
      all.add(decodeURIComponent(s.replace(/\+/g, ' ')));
    } catch {
      // Not percent-encoded: the value as written is all there is.
    }
  }
  return [...all].filter((s) => s.length >= 4);
}

function mask(text: string, secrets: readonly string[]): string {
  for (const s of secrets) text = text.split(s).join('***');
  return text;
}

/**
 * `error` as it may be shown: itself when no secret is in its message, stack or causes; else a copy
 * with every secret replaced by `***` (same name, message, `code`; causes scrubbed the same way).
 */
export function scrub(error: Error, secrets: readonly string[], depth = 0): Error {
  const cause = (error as { cause?: unknown }).cause;
  const cleanCause =
    cause instanceof Error && depth < 5 ? scrub(cause, secrets, depth + 1) : typeof cause === 'string' ? mask(cause, secrets) : cause;
  const leaks = secrets.some((s) => error.message.includes(s) || String(error.stack).includes(s));
  if (!leaks && cleanCause === cause) return error;
  const copy = new Error(mask(error.message, secrets), cleanCause === undefined ? undefined : { cause: cleanCause });
  copy.name = error.name;
  copy.stack = mask(String(error.stack), secrets);
  const code = (error as { code?: unknown }).code;
  if (code !== undefined) (copy as { code?: unknown }).code = code;
  return copy;
}
