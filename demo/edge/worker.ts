/**
 * The demo's edge function, run in workerd (miniflare). Each HTTP request joins the engine as a
 * short-lived worker, calls one function, and answers with its result as JSON.
 *
 * workerd ties sockets to the request that opened them, so the worker is created inside
 * `fetch` and shut down after the response (never at module scope: workerd refuses I/O there).
 * Upgrade headers work here (`fetch` + `Upgrade: websocket`), so the token travels as
 * `Authorization: Bearer …` to the engine's RBAC listener.
 */
import { IIIInvocationError, registerWorker } from '../../platform/workers/index.js';

export interface EdgeEnv {
  /** The engine's RBAC listener, e.g. ws://127.0.0.1:49135 */
  III_URL: string;
  III_TOKEN: string;
  /** The function called per request. */
  FUNCTION_ID?: string;
}

interface ExecutionContextLike {
  waitUntil(promise: Promise<unknown>): void;
}

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body, null, 2), {
    status,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      // The demo page (another origin) fetches this endpoint too.
      'access-control-allow-origin': '*',
      'cache-control': 'no-store',
    },
  });
}

export default {
  async fetch(request: Request, env: EdgeEnv, ctx: ExecutionContextLike): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname !== '/') return json({ error: 'not found' }, 404);
    const functionId = env.FUNCTION_ID ?? 'backend::demo::greet';
    const name = url.searchParams.get('name') ?? 'edge visitor';
    const started = Date.now();
    const iii = registerWorker(env.III_URL, {
      workerName: `edge:${crypto.randomUUID().slice(0, 8)}`,
      headers: { authorization: `Bearer ${env.III_TOKEN}` },
      // One request, one attempt: an unreachable engine answers 502 quickly instead of retrying.
      reconnect: { maxRetries: 0 },
      handshakeTimeoutMs: 5000,
      heartbeat: false,
      logLevel: 'warn',
    });
    try {
      const result = await iii.trigger({ function_id: functionId, payload: { name, via: 'edge (workerd)' }, timeoutMs: 5000 });
      return json({ ok: true, runtime: 'workerd', function_id: functionId, result, elapsed_ms: Date.now() - started });
    } catch (error) {
      const e = error instanceof IIIInvocationError ? { name: error.name, code: error.code, message: error.message } : { message: String(error) };
      return json({ ok: false, runtime: 'workerd', function_id: functionId, error: e, elapsed_ms: Date.now() - started }, 502);
    } finally {
      ctx.waitUntil(iii.shutdown());
    }
  },
};
