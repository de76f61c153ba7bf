// Issue 10 item 9: a client created at module scope. workerd forbids I/O, timers and random values
// there; the SDK must fail with an error that says to create the client inside the handler, one per
// request, not with a stack trace from deep inside its reconnect logic. Driven by misuse.mjs.
// @ts-ignore -- the built entry's types live in dist/index.d.ts, not beside it
import * as sdk from '../../../dist/workers/index.js';

const iii = sdk.registerWorker('ws://127.0.0.1:1/', { workerName: 'module-scope', logLevel: 'warn' });

export default {
  async fetch(): Promise<Response> {
    return new Response(`created at module scope; state ${String(iii.connectionState)}`);
  },
};
