// Issue 10 item 9, the common misuse: one client kept across requests (`iii ??= registerWorker(…)`).
// workerd ties a socket to the request that opened it, so the second request cannot use it. Each
// request answers what its call did, as JSON. Driven by misuse.mjs.
// @ts-ignore -- the built entry's types live in dist/index.d.ts, not beside it
import * as sdk from '../../../dist/workers/index.js';
import { HELPER } from '../../conformance/helper-ids.js';

interface Env {
  CONFIG: string;
}

let iii: any;

export default {
  async fetch(_request: Request, env: Env): Promise<Response> {
    const config = JSON.parse(env.CONFIG) as { engineUrl: string };
    iii ??= sdk.registerWorker(config.engineUrl, {
      workerName: `kept-client-${crypto.randomUUID().slice(0, 8)}`,
      logLevel: 'silent',
      heartbeat: false,
      invocationTimeoutMs: 3000,
    });
    const started = Date.now();
    try {
      const result = await iii.trigger({ function_id: HELPER.echo, payload: { n: 1 }, timeoutMs: 3000 });
      return Response.json({ ok: true, result, ms: Date.now() - started, state: iii.connectionState });
    } catch (error: any) {
      return Response.json({ ok: false, name: error?.name, code: error?.code, message: String(error?.message), ms: Date.now() - started, state: iii.connectionState });
    }
  },
};
