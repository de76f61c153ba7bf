/** What the SDK shows of an address and of a foreign error (src/redact.ts, issue 10 item 8). */
import { describe, expect, it } from 'vitest';
import { redactUrl, scrub, secretsOf } from '../../src/redact.js';

describe('redactUrl', () => {
  it.each([
    ['ws://h:1/?token=abc', 'ws://h:1/?token=***'],
    // A parameter without `=` may itself be the token: masked whole.
    ['ws://h:1/path?a=1&b=&c', 'ws://h:1/path?a=***&b=***&***'],
    ['wss://user:pass@h/?t=x#frag', 'wss://user:***@h/?t=***'],
    ['ws://h:1/', 'ws://h:1/'],
    ['ws://127.0.0.1:99999/?token=x', 'ws://127.0.0.1:99999/?token=***'],
    ['not a url?token=x', 'not a url?token=***'],
  ])('%s → %s', (url, shown) => expect(redactUrl(url)).toBe(shown));
});

describe('secretsOf and scrub', () => {
  it('query values (as written and decoded), a password and header values; nothing under 4 characters', () => {
    const secrets = secretsOf('ws://u:p4ssword@h/?token=a%2Bb%3Dcd&x=1', { authorization: 'Bearer xyz123' });
    expect(new Set(secrets)).toEqual(new Set(['Bearer xyz123', 'a%2Bb%3Dcd', 'a+b=cd', 'p4ssword']));
  });

  it('returns the error itself when it holds no secret, else a copy with each masked, cause and code kept', () => {
    const clean = new Error('connect ECONNREFUSED 127.0.0.1:1');
    expect(scrub(clean, ['TOKEN123'])).toBe(clean);
    const inner = Object.assign(new Error("WebSocket connection to 'ws://h/?token=TOKEN123' failed"), { code: 'E_WS' });
    const outer = new Error('could not connect', { cause: inner });
    const shown = scrub(outer, ['TOKEN123']);
    expect(shown).not.toBe(outer);
    expect(shown.message).toBe('could not connect');
    const cause = shown.cause as Error & { code?: string };
    expect(cause.message).toBe("WebSocket connection to 'ws://h/?token=***' failed");
    expect(cause.code).toBe('E_WS');
    expect(String(cause.stack)).not.toContain('TOKEN123');
  });
});
