/**
 * Issue 10 item 7: a wrong address or a stopped engine must not be a silent hang. Contract:
 * `ready({ timeoutMs, signal })` rejects `ENGINE_UNREACHABLE` (URL without its query, the last
 * cause, `cause` set); a call still queued at its timeout because no connection was ever accepted
 * rejects `ENGINE_UNREACHABLE` too; every connection error carries its cause (refused, DNS, not a
 * WebSocket endpoint); after 3 failed attempts a warn-level line names the URL and the cause.
 * Loopback only: the DNS failure is a 64-character label, which the resolver refuses locally
 * before any query leaves the machine.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { registerWorker, type III, type StateChange } from '../../platform/node/index.js';
import { cleanup, uniqueName, within } from '../node/helpers.js';
import { captureConsole, type ConsoleCapture } from './console.js';
import { CODE, codeOf, messageChain, readyWithin } from './contract.js';
import { freePort } from './engine-process.js';

const clients: III[] = [];
const servers: http.Server[] = [];
let consoleCapture: ConsoleCapture | undefined;
afterEach(async () => {
  consoleCapture?.restore();
  consoleCapture = undefined;
  await Promise.all(clients.splice(0).map((c) => within(c.shutdown(), 3000, 'shutdown').catch(() => undefined)));
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
  await cleanup();
});

const TOKEN = 'SECRET-connecting-7f3a';
const DNS_FAILS = `${'a'.repeat(64)}.invalid`;

function client(url: string, options: Parameters<typeof registerWorker>[1] = {}): III {
  const c = registerWorker(url, { workerName: uniqueName('connect'), logLevel: 'silent', reconnect: { initialDelayMs: 50, maxDelayMs: 200, jitter: 0 }, ...options });
  clients.push(c);
  return c;
}

/** The outcome of `promise` within `ms`, with the time it took. */
async function outcomeWithin(promise: Promise<unknown>, ms: number): Promise<{ settled: boolean; error?: any; ms: number }> {
  const start = Date.now();
  try {
    await within(promise, ms, 'x');
    return { settled: true, ms: Date.now() - start };
  } catch (error) {
    if (error instanceof Error && error.message === `x did not settle within ${ms}ms`) return { settled: false, ms: Date.now() - start };
    return { settled: true, error, ms: Date.now() - start };
  }
}

function describeOutcome(o: Awaited<ReturnType<typeof outcomeWithin>>, bound: number): string {
  if (!o.settled) return `still pending after ${bound} ms`;
  if (!o.error) return `resolved after ${o.ms} ms`;
  return `rejected after ${o.ms} ms: ${messageChain(o.error)}`;
}

async function plainHttpServer(): Promise<number> {
  const server = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('not a websocket endpoint'));
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return (server.address() as AddressInfo).port;
}

describe('item 7: ready({ timeoutMs, signal })', () => {
  it('against a closed port: rejects ENGINE_UNREACHABLE after about 2 s, naming the URL without its query and the refusal', { timeout: 15_000 }, async () => {
    const port = await freePort();
    const c = client(`ws://127.0.0.1:${port}/?token=${TOKEN}`);
    const o = await outcomeWithin(readyWithin(c, { timeoutMs: 2000 }), 6000);
    const what = describeOutcome(o, 6000);
    expect(o.settled, what).toBe(true);
    expect(codeOf(o.error), what).toBe(CODE.EngineUnreachable);
    expect(o.ms, `${what} (not before its timeout)`).toBeGreaterThanOrEqual(1900);
    expect(String(o.error.message), what).toContain(`127.0.0.1:${port}`);
    expect(messageChain(o.error), what).toMatch(/ECONNREFUSED|refused/i);
    expect(o.error.cause, what).toBeDefined();
    expect(messageChain(o.error), what).not.toContain(TOKEN);
  });

  it('an aborted signal rejects ready() with signal.reason', { timeout: 10_000 }, async () => {
    const port = await freePort();
    const c = client(`ws://127.0.0.1:${port}/`);
    const controller = new AbortController();
    const reason = new Error('gave up waiting');
    const waiting = outcomeWithin(readyWithin(c, { signal: controller.signal }), 3000);
    setTimeout(() => controller.abort(reason), 200);
    const o = await waiting;
    expect(o.error, describeOutcome(o, 3000)).toBe(reason);
  });

  it('a DNS failure is named in the cause', { timeout: 10_000 }, async () => {
    const c = client(`ws://${DNS_FAILS}:49134/`);
    const o = await outcomeWithin(readyWithin(c, { timeoutMs: 1500 }), 5000);
    const what = describeOutcome(o, 5000);
    expect(codeOf(o.error), what).toBe(CODE.EngineUnreachable);
    expect(messageChain(o.error), what).toMatch(/ENOTFOUND|EAI_|getaddrinfo|DNS|resolve/i);
  });

  it('a plain HTTP server (not a WebSocket endpoint) is named in the cause', { timeout: 10_000 }, async () => {
    const port = await plainHttpServer();
    const c = client(`ws://127.0.0.1:${port}/`);
    const o = await outcomeWithin(readyWithin(c, { timeoutMs: 1500 }), 5000);
    const what = describeOutcome(o, 5000);
    expect(codeOf(o.error), what).toBe(CODE.EngineUnreachable);
    expect(messageChain(o.error), what).toMatch(/200/);
    expect(messageChain(o.error), what).toMatch(/websocket|unexpected server response|upgrade/i);
  });
});

describe('item 7: a TLS failure is named in the cause', () => {
  it('wss:// to a server that does not speak TLS: the TLS error reaches ENGINE_UNREACHABLE', { timeout: 10_000 }, async () => {
    const port = await plainHttpServer();
    const c = client(`wss://127.0.0.1:${port}/`);
    const o = await outcomeWithin(readyWithin(c, { timeoutMs: 1500 }), 5000);
    const what = describeOutcome(o, 5000);
    expect(codeOf(o.error), what).toBe(CODE.EngineUnreachable);
    // OpenSSL's words for a peer that answered plain HTTP (Node 20: "wrong version number").
    expect(messageChain(o.error), what).toMatch(/SSL|TLS|EPROTO|wrong version number/i);
  });
});

describe('item 7: calls and state events when the engine is never reached', () => {
  it('a call queued until its timeout rejects ENGINE_UNREACHABLE (not a TIMEOUT that reads like a slow function)', { timeout: 10_000 }, async () => {
    const port = await freePort();
    const c = client(`ws://127.0.0.1:${port}/`);
    const o = await outcomeWithin(c.trigger({ function_id: 'faults::never::reached', payload: {}, timeoutMs: 1500 }), 5000);
    const what = describeOutcome(o, 5000);
    expect(codeOf(o.error), what).toBe(CODE.EngineUnreachable);
    expect(messageChain(o.error), what).toMatch(/ECONNREFUSED|refused/i);
  });

  it('every state event of a refused connection carries the cause (ECONNREFUSED)', { timeout: 10_000 }, async () => {
    const port = await freePort();
    const c = client(`ws://127.0.0.1:${port}/`);
    const changes: StateChange[] = [];
    c.on('state', (change) => changes.push(change));
    await new Promise((r) => setTimeout(r, 800));
    const withError = changes.filter((ch) => ch.error);
    const texts = withError.map((ch) => messageChain(ch.error));
    expect(withError.length, 'state events with an error').toBeGreaterThan(0);
    expect(texts.filter((t) => !/ECONNREFUSED|refused/i.test(t)), texts.join('\n')).toEqual([]);
  });

  it('after repeated failed attempts a warn line names the URL without its query and the cause, at the default log level', { timeout: 10_000 }, async () => {
    consoleCapture = captureConsole();
    const port = await freePort();
    const c = registerWorker(`ws://127.0.0.1:${port}/?token=${TOKEN}`, {
      workerName: uniqueName('warn'),
      reconnect: { initialDelayMs: 20, maxDelayMs: 40, jitter: 0 },
    });
    clients.push(c);
    let attempts = 0;
    c.on('state', (change) => {
      if (change.attempt !== undefined) attempts = change.attempt;
    });
    await new Promise((r) => setTimeout(r, 1500));
    const warns = consoleCapture.lines.filter((l) => l.level === 'warn' && l.text.includes(`127.0.0.1:${port}`));
    const all = `${attempts} attempts; console:\n${consoleCapture.text() || '(nothing)'}`;
    expect(warns.length, all).toBeGreaterThan(0);
    expect(warns[0]!.text, all).toMatch(/ECONNREFUSED|refused/i);
    // Once, then every 10th attempt: never one line per attempt.
    expect(warns.length, all).toBeLessThanOrEqual(1 + Math.floor(attempts / 10));
    expect(consoleCapture.text(), all).not.toContain(TOKEN);
  });
});
