// Issue 10 item 9, the pattern docs/runtimes.md documents for Cloudflare Workers: one client per request,
// created inside the handler, its shutdown handed to `ctx.waitUntil`. Each request answers its
// call's outcome and how the previous request's shutdown ended. Driven by misuse.mjs.
// @ts-ignore -- the built entry's types live in dist/index.d.ts, not beside it
import * as sdk from '../../../dist/workers/index.js';
import { HELPER } from '../../conformance/helper-ids.js';

interface Env {
  CONFIG: string;
}

/** Plain values may cross requests (only I/O objects may not): how the last shutdown ended. */
let previousShutdown = 'none';

export default {
  async fetch(_request: Request, env: Env, ctx: { waitUntil(p: Promise<unknown>): void }): Promise<Response> {
    const config = JSON.parse(env.CONFIG) as { engineUrl: string };
    const seenShutdown = previousShutdown;
    const iii = sdk.registerWorker(config.engineUrl, {
      workerName: `per-request-${crypto.randomUUID().slice(0, 8)}`,
      logLevel: 'warn',
      heartbeat: false,
      reconnect: { maxRetries: 0 },
    });
    try {
      const result = await iii.trigger({ function_id: HELPER.echo, payload: { n: 1 }, timeoutMs: 5000 });
      return Response.json({ ok: true, result, previousShutdown: seenShutdown });
    } catch (error: any) {
      return Response.json({ ok: false, code: error?.code, message: String(error?.message), previousShutdown: seenShutdown });
    } finally {
      previousShutdown = 'pending';
      ctx.waitUntil(
        iii.shutdown().then(
          () => (previousShutdown = `done, state ${iii.connectionState}`),
          (e: unknown) => (previousShutdown = `failed: ${String(e)}`),
        ),
      );
    }
  },
};
