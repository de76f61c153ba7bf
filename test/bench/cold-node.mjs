// One cold-start sample in a fresh Node process (plain JavaScript, so no loader is timed):
// import the client, then time registerWorker → first trigger result. Prints one JSON line.
//
//   node cold-node.mjs <ours|raw|official|officialDefault> <engineUrl> <functionId> [oursEntryUrl]
import { performance } from 'node:perf_hooks';

const [kind, url, functionId, oursEntry] = process.argv.slice(2);
const payload = { seq: 0, user: 'bench-user-0001', items: [1, 2, 3, 4], note: 'the quick brown fox' };

async function raw() {
  const t0 = performance.now();
  const { default: WebSocket } = await import('ws');
  const { randomUUID } = await import('node:crypto');
  const t1 = performance.now();
  const ws = new WebSocket(url, { perMessageDeflate: false });
  const id = randomUUID();
  const result = new Promise((resolve, reject) => {
    ws.on('message', (buf) => {
      const f = JSON.parse(buf.toString());
      if (f.type === 'invocationresult' && f.invocation_id === id) resolve(f);
    });
    ws.on('error', reject);
  });
  ws.on('open', () => {
    ws.send(JSON.stringify({ type: 'invokefunction', function_id: 'engine::workers::register', data: { runtime: 'node', name: `cold-raw-${process.pid}` }, action: { type: 'void' } }));
    ws.send(JSON.stringify({ type: 'invokefunction', invocation_id: id, function_id: functionId, data: payload }));
  });
  const f = await result;
  if (f.error) throw new Error(JSON.stringify(f.error));
  const t2 = performance.now();
  ws.terminate();
  return { importMs: t1 - t0, firstMs: t2 - t1, processMs: t2 };
}

async function sdk(load, options) {
  const t0 = performance.now();
  const { registerWorker } = await load();
  const t1 = performance.now();
  const client = registerWorker(url, options);
  await client.trigger({ function_id: functionId, payload, timeoutMs: 20000 });
  const t2 = performance.now();
  await Promise.race([client.shutdown(), new Promise((r) => setTimeout(r, 1000))]);
  return { importMs: t1 - t0, firstMs: t2 - t1, processMs: t2 };
}

async function main() {
  let r;
  const name = `cold-${kind}-${process.pid}`;
  if (kind === 'raw') r = await raw();
  else if (kind === 'ours') r = await sdk(() => import(oursEntry), { workerName: name });
  else if (kind === 'official') r = await sdk(() => import('iii-sdk'), { workerName: name, otel: { enabled: false }, enableMetricsReporting: false });
  else r = await sdk(() => import('iii-sdk'), { workerName: name });
  // processMs: performance.now() counts from the start of this process.
  process.stdout.write(`COLD ${JSON.stringify(r)}\n`);
  process.exit(0);
}

setTimeout(() => {
  process.stderr.write('cold sample exceeded 30 s\n');
  process.exit(3);
}, 30000).unref();
main().catch((e) => {
  process.stderr.write(`${e?.stack ?? e}\n`);
  process.exit(1);
});
