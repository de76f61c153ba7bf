// Cold start: from registerWorker to the first trigger result.
// - Node: a fresh `node` process per sample (cold-node.mjs), clients interleaved.
// - workerd: a fresh Miniflare instance per sample running the built dist/workers entry
//   (and, as its floor, a hand-written fetch-upgrade socket), bundled with esbuild.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { BENCH_DIR, ROOT, fnId, isOurs, median, oursNodeEntry, withTimeout, type ClientKind } from './common.js';

export interface ColdStats {
  samples: number;
  /** registerWorker (or socket open) → first result, median ms. */
  firstMs: number;
  /** Importing the client, median ms. */
  importMs: number;
  /** Process start → first result, median ms (includes Node's own boot). */
  processMs: number;
  note?: string;
}

interface ColdSample {
  importMs: number;
  firstMs: number;
  processMs: number;
}

function runColdNode(kind: ClientKind, url: string): Promise<ColdSample> {
  const entry = oursNodeEntry(isOurs(kind) ? kind : 'ours');
  const args: string[] = [];
  // Unbuilt sources need the TypeScript loader; the figure is then marked as such.
  if (isOurs(kind) && !entry.built) args.push('--import', 'tsx');
  args.push(path.join(BENCH_DIR, 'cold-node.mjs'), isOurs(kind) ? 'ours' : kind, url, fnId('raw', 'echo'), pathToFileURL(entry.file).href);
  return withTimeout(
    new Promise<ColdSample>((resolve, reject) => {
      const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (err += c.toString()));
      child.on('exit', (code) => {
        const line = out.split('\n').find((l) => l.startsWith('COLD '));
        if (code === 0 && line) resolve(JSON.parse(line.slice(5)) as ColdSample);
        else reject(new Error(`cold ${kind} sample failed (${code}): ${err.slice(-2000)}`));
      });
    }),
    40_000,
    `cold ${kind}`,
  );
}

export async function measureColdNode(url: string, kinds: ClientKind[], samples: number, log: (s: string) => void): Promise<Record<string, ColdStats>> {
  const got = new Map<ClientKind, ColdSample[]>(kinds.map((k) => [k, []]));
  for (let i = 0; i < samples; i++) {
    for (const kind of kinds) got.get(kind)!.push(await runColdNode(kind, url));
  }
  const out: Record<string, ColdStats> = {};
  for (const [kind, s] of got) {
    out[kind] = {
      samples: s.length,
      firstMs: median(s.map((x) => x.firstMs)),
      importMs: median(s.map((x) => x.importMs)),
      processMs: median(s.map((x) => x.processMs)),
    };
    if (isOurs(kind) && !oursNodeEntry(kind).built) out[kind]!.note = 'sources through tsx (dist/node missing)';
    log(`    node ${kind}: ${out[kind]!.firstMs.toFixed(1)} ms to first result`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

const PAYLOAD_JS = `{ seq: 0, user: 'bench-user-0001', items: [1, 2, 3, 4], note: 'the quick brown fox' }`;

function oursWorkerScript(entry: string): string {
  return `import { registerWorker } from ${JSON.stringify(entry)};
export default {
  async fetch(request, env, ctx) {
    const q = new URL(request.url).searchParams;
    const t0 = Date.now();
    const client = registerWorker(q.get('engine'), { workerName: 'bench-cold-workerd' });
    await client.trigger({ function_id: q.get('fn'), payload: ${PAYLOAD_JS}, timeoutMs: 20000 });
    const firstMs = Date.now() - t0;
    ctx.waitUntil(Promise.resolve(client.shutdown()).catch(() => undefined));
    return Response.json({ firstMs });
  },
};
`;
}

/** The floor in workerd: fetch with Upgrade (workerd cannot send headers with new WebSocket), accept, two frames. */
const RAW_WORKER_SCRIPT = `export default {
  async fetch(request, env, ctx) {
    const q = new URL(request.url).searchParams;
    const t0 = Date.now();
    const res = await fetch(q.get('engine').replace(/^ws/, 'http'), { headers: { Upgrade: 'websocket' } });
    const ws = res.webSocket;
    if (!ws) return new Response('no upgrade: ' + res.status, { status: 500 });
    ws.accept();
    const id = crypto.randomUUID();
    const done = new Promise((resolve) => ws.addEventListener('message', (ev) => {
      const f = JSON.parse(ev.data);
      if (f.type === 'invocationresult' && f.invocation_id === id) resolve(f);
    }));
    ws.send(JSON.stringify({ type: 'invokefunction', function_id: 'engine::workers::register', data: { runtime: 'workers', name: 'bench-cold-raw' }, action: { type: 'void' } }));
    ws.send(JSON.stringify({ type: 'invokefunction', invocation_id: id, function_id: q.get('fn'), data: ${PAYLOAD_JS} }));
    const f = await done;
    const firstMs = Date.now() - t0;
    ws.close(1000);
    if (f.error) return new Response(JSON.stringify(f.error), { status: 500 });
    return Response.json({ firstMs });
  },
};
`;

async function bundle(source: string): Promise<string> {
  const esbuild = await import('esbuild');
  const r = await esbuild.build({
    stdin: { contents: source, resolveDir: BENCH_DIR, loader: 'js', sourcefile: 'cold-worker.js' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['workerd', 'worker', 'browser'],
    write: false,
    logLevel: 'silent',
  });
  return r.outputFiles[0]!.text;
}

export interface ColdWorkerdStats {
  samples: number;
  /** Inside the isolate: registerWorker → first result (workerd's clock moves on I/O only). */
  firstMs: number;
  /** Outside: first dispatchFetch round trip, including script evaluation. */
  firstRequestMs: number;
  /** Outside: new Miniflare() → ready (workerd process boot). */
  bootMs: number;
  note?: string;
}

export async function measureColdWorkerd(url: string, samples: number, log: (s: string) => void): Promise<Record<string, ColdWorkerdStats | { error: string }>> {
  const out: Record<string, ColdWorkerdStats | { error: string }> = {};
  const entry = path.join(ROOT, 'dist', 'workers', 'index.js');
  const scripts: Array<[string, string | undefined, string | undefined]> = [
    ['ours', existsSync(entry) ? await bundle(oursWorkerScript(entry)).catch(() => undefined) : undefined, existsSync(entry) ? undefined : 'dist/workers/index.js missing (run npm run build)'],
    ['raw', await bundle(RAW_WORKER_SCRIPT), undefined],
  ];
  const { Miniflare } = await import('miniflare');
  const fn = fnId('raw', 'echo');
  const got = new Map<string, Array<{ firstMs: number; firstRequestMs: number; bootMs: number }>>();
  const errors = new Map<string, string>();
  for (let i = 0; i < samples; i++) {
    for (const [name, script, missing] of scripts) {
      if (!script) {
        errors.set(name, missing ?? 'bundling failed');
        continue;
      }
      if (errors.has(name)) continue;
      const t0 = performance.now();
      const mf = new Miniflare({ modules: true, script, compatibilityDate: '2025-09-01' });
      try {
        await withTimeout(mf.ready, 30_000, 'miniflare ready');
        const t1 = performance.now();
        const res = await withTimeout(
          mf.dispatchFetch(`http://bench.local/?engine=${encodeURIComponent(url)}&fn=${encodeURIComponent(fn)}`),
          30_000,
          'workerd first request',
        );
        const body = await res.text();
        const t2 = performance.now();
        if (res.status !== 200) throw new Error(`status ${res.status}: ${body.slice(0, 500)}`);
        const { firstMs } = JSON.parse(body) as { firstMs: number };
        if (!got.has(name)) got.set(name, []);
        got.get(name)!.push({ firstMs, firstRequestMs: t2 - t1, bootMs: t1 - t0 });
      } catch (e) {
        errors.set(name, String((e as Error)?.message ?? e));
      } finally {
        await withTimeout(mf.dispose(), 10_000, 'miniflare dispose').catch(() => undefined);
      }
    }
  }
  for (const [name] of scripts) {
    const s = got.get(name);
    if (errors.has(name) || !s) {
      out[name] = { error: errors.get(name) ?? 'no sample' };
      log(`    workerd ${name}: ${errors.get(name)}`);
      continue;
    }
    out[name] = {
      samples: s.length,
      firstMs: median(s.map((x) => x.firstMs)),
      firstRequestMs: median(s.map((x) => x.firstRequestMs)),
      bootMs: median(s.map((x) => x.bootMs)),
    };
    log(`    workerd ${name}: ${(out[name] as ColdWorkerdStats).firstMs.toFixed(0)} ms to first result`);
  }
  return out;
}
