// §1.3 auth failure, as seen on the TCP connection: the `error` frame and a Close without status
// code, then the engine drops the socket at once. It does not wait for the client's Close (a
// client must not depend on a polite close), and frames the client sent meanwhile are never read,
// so the kernel resets the connection (§8 items 41, 43). A bare TCP client shows it: a `ws` client
// would answer the Close itself.
import { afterEach, describe, expect, it } from 'vitest';
import { useHarness } from './harness';
import { sleep, type Frame } from './raw-client';
import { tcpUpgrade, type TcpWebSocket } from './tcp-client';

const h = useHarness();
const opened: TcpWebSocket[] = [];
afterEach(() => {
  for (const t of opened.splice(0)) t.destroy();
});

/** An engine whose RBAC listener refuses every connection, `delayMs` after it opened. */
async function refusingEngine(delayMs = 0): Promise<{ rbacUrl: string; authCalls: Frame[] }> {
  const e = await h.engine({ listeners: [{ port: 0 }, { port: 0, rbac: { auth_function_id: 'test::auth' } }] });
  const trusted = await h.announced(e.listeners[0]!.url, { name: `auth-${Math.random().toString(16).slice(2, 8)}` });
  trusted.registerFunction('test::auth');
  const { calls } = trusted.serve('test::auth', async () => {
    await sleep(delayMs);
    return { error: { code: 'denied', message: 'invalid token' } };
  });
  await trusted.sync();
  return { rbacUrl: e.listeners[1]!.url, authCalls: calls };
}

async function open(url: string, path: string): Promise<TcpWebSocket> {
  const t = await tcpUpgrade(url, path);
  opened.push(t);
  return t;
}

describe('auth failure ends the TCP connection at once (§1.3, §8 items 41, 43)', () => {
  for (const path of ['/', '/otel']) {
    it(`${path}: AUTH_ERROR, Close without code, then the socket closes without waiting for the client's Close`, async () => {
      const { rbacUrl } = await refusingEngine();
      const t = await open(rbacUrl, path);
      const [error, close] = await t.frameCount(2, 3000);
      expect(error!.opcode).toBe(0x1);
      expect(JSON.parse(error!.payload.toString('utf8'))).toEqual({ type: 'error', error: { code: 'AUTH_ERROR', message: 'invalid token' } });
      expect({ opcode: close!.opcode, payload: close!.payload.length }).toEqual({ opcode: 0x8, payload: 0 });
      // This side never sends its Close: a polite server would wait for it (ws: 30 s).
      const end = await t.ended(1500);
      expect(end.how).toBe('fin');
      expect(t.frames).toHaveLength(2);
    });

    it(`${path}: frames the client sent during auth are never read; the client sees the socket drop (1006)`, async () => {
      const { rbacUrl, authCalls } = await refusingEngine(300);
      const w = await h.raw(rbacUrl, { path });
      // Sent while the auth function is still deciding, as every SDK sends its announce at once:
      // the engine closes the socket with them unread, so the kernel resets the connection and
      // the client never gets to read the Close frame.
      w.send({ type: 'ping' });
      w.send({ type: 'invokefunction', invocation_id: crypto.randomUUID(), function_id: 'engine::workers::list', data: {} });
      const closed = await w.waitClose(3000);
      expect(closed.code).toBe(1006);
      expect(authCalls).toHaveLength(1);
      // Whatever arrived before the reset, nothing answers the client's frames.
      expect(w.received.filter((m) => m.json?.type !== 'error')).toEqual([]);
    });
  }
});
