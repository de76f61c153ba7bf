// Cloudflare Workers misuse (issue 10 item 9), as cases of the workerd runner: each case bundles
// its own Worker (esbuild, `workerd` condition, as wrangler does) and runs it in its own Miniflare,
// with workerd's stdout/stderr captured.
import { bundleWorker, within } from '../common.mjs';

/** A Miniflare running `script`; `output()` is what workerd printed. */
async function miniflare(script, config) {
  const { Miniflare } = await import('miniflare');
  let printed = '';
  const mf = new Miniflare({
    modules: true,
    script,
    compatibilityDate: '2026-04-01',
    bindings: { CONFIG: JSON.stringify(config) },
    handleRuntimeStdio(stdout, stderr) {
      stdout.on('data', (d) => (printed += d));
      stderr.on('data', (d) => (printed += d));
    },
  });
  return { mf, output: () => printed };
}

async function keptClient(config) {
  const { mf, output } = await miniflare(await bundleWorker('test/runtimes/workerd/kept-client.ts'), config);
  try {
    await within(30_000, 'miniflare start', mf.ready);
    const ask = async () => JSON.parse(await (await within(10_000, 'request', mf.dispatchFetch('http://worker/'))).text());
    const first = await ask();
    if (!first.ok) throw new Error(`the first request failed: ${JSON.stringify(first)}`);
    const second = await ask();
    const seen = `second request: ${JSON.stringify(second)}${output() ? `; workerd printed: ${output().slice(0, 300)}` : ''}`;
    if (second.ok) throw new Error(`the client of another request was used without an error: ${seen}`);
    if (second.code !== 'CROSS_REQUEST') throw new Error(`expected code CROSS_REQUEST at once, got ${seen}`);
    if (!/per request/i.test(second.message) || !/waitUntil/.test(second.message)) {
      throw new Error(`the message must say to create one client per request and hand shutdown() to ctx.waitUntil: ${seen}`);
    }
    if (second.ms >= 3000) throw new Error(`it failed only at its timeout, not at once: ${seen}`);
  } finally {
    await within(10_000, 'miniflare dispose', mf.dispose()).catch(() => undefined);
  }
}

async function moduleScope(config) {
  const { mf, output } = await miniflare(await bundleWorker('test/runtimes/workerd/module-scope.ts'), config);
  let seen;
  try {
    await within(30_000, 'miniflare start', mf.ready);
    const res = await within(10_000, 'request', mf.dispatchFetch('http://worker/'));
    seen = `the worker started; a request answered ${res.status}: ${(await res.text()).slice(0, 300)}; workerd printed: ${output().slice(0, 600)}`;
  } catch (error) {
    seen = `the worker did not start (${error instanceof Error ? error.message : String(error)}); workerd printed: ${output().slice(0, 1200)}`;
  } finally {
    await within(10_000, 'miniflare dispose', mf.dispose()).catch(() => undefined);
  }
  if (!/per request/i.test(seen)) {
    throw new Error(`creating a client at module scope must fail with an error that says to create it inside the handler, one per request: ${seen}`);
  }
}

/** The documented pattern: a client per request, `ctx.waitUntil(iii.shutdown())`; sequential and concurrent requests. */
async function perRequest(config) {
  const { mf, output } = await miniflare(await bundleWorker('test/runtimes/workerd/per-request.ts'), config);
  try {
    await within(30_000, 'miniflare start', mf.ready);
    const ask = async () => JSON.parse(await (await within(10_000, 'request', mf.dispatchFetch('http://worker/'))).text());
    const answers = [await ask(), await ask(), await ask(), ...(await Promise.all([ask(), ask(), ask()]))];
    const seen = `${JSON.stringify(answers)}${output() ? `; workerd printed: ${output().slice(0, 400)}` : ''}`;
    const failed = answers.filter((a) => !a.ok);
    if (failed.length > 0) throw new Error(`${failed.length} of ${answers.length} requests failed: ${seen}`);
    // The first request saw no earlier client; each later sequential one saw its predecessor shut down.
    if (!answers.slice(1, 3).every((a) => /^done, state disconnected$/.test(a.previousShutdown))) {
      throw new Error(`a shutdown handed to ctx.waitUntil did not complete before the next request: ${seen}`);
    }
    if (/error|Cannot perform I\/O/i.test(output())) throw new Error(`workerd printed an error: ${seen}`);
  } finally {
    await within(10_000, 'miniflare dispose', mf.dispose()).catch(() => undefined);
  }
}

export const misuseCases = [
  { name: 'workers: a client per request with ctx.waitUntil(iii.shutdown()) serves every request, sequential and concurrent', run: perRequest },
  { name: 'workers misuse: a client kept across requests fails the next request at once with CROSS_REQUEST', run: keptClient },
  { name: 'workers misuse: a client created at module scope fails with an error that says to create one per request', run: moduleScope },
];
