#!/usr/bin/env node
// Conformance suite in workerd (miniflare 4): `node test/runtimes/run-workerd.mjs [--grep <regexp>]`
// (after `npm run build`). The worker is bundled by esbuild from the built workers entry under
// the `workerd` condition, as wrangler would; each case runs inside one request.
import { bundleWorker, createReporter, deadline, grepArg, importTs, requireBuilt, runExtraCases, within } from './common.mjs';
import { misuseCases } from './workerd/misuse.mjs';

const runner = 'workerd';
const reporter = createReporter(runner);
deadline(reporter, 240_000);

let mf;
let orchestrator;
try {
  await requireBuilt('workers');
  await requireBuilt('node');
  const script = await bundleWorker('test/runtimes/workerd/worker.ts');
  const { startOrchestrator } = await importTs('test/runtimes/orchestrator.ts');
  orchestrator = await within(15_000, 'orchestrator start', startOrchestrator({}));
  const { Miniflare } = await import('miniflare');
  mf = new Miniflare({
    modules: true,
    script,
    compatibilityDate: '2026-04-01',
    bindings: { CONFIG: JSON.stringify(orchestrator.config) },
    log: undefined,
  });
  await within(30_000, 'miniflare start', mf.ready);
  const names = await within(15_000, 'list cases', mf.dispatchFetch('http://worker/names').then((r) => r.json()));
  const grep = grepArg();
  for (const name of names.filter((n) => !grep || new RegExp(grep).test(n))) {
    try {
      const res = await within(40_000, `case "${name}"`, mf.dispatchFetch(`http://worker/run?name=${encodeURIComponent(name)}`));
      const text = await res.text();
      let r;
      try {
        r = JSON.parse(text);
      } catch {
        throw new Error(`HTTP ${res.status}: ${text.slice(0, 500)}`);
      }
      reporter.record(r.name, r.ok, r.ms, r.error, r.skipped);
    } catch (error) {
      reporter.record(name, false, undefined, error instanceof Error ? error.message : String(error));
    }
  }
  // Issue 10 item 9: misuse a Worker author meets, each in a Miniflare of its own.
  await runExtraCases(reporter, misuseCases, orchestrator.config, grep);
} catch (error) {
  reporter.broken(error);
} finally {
  if (mf) await within(10_000, 'miniflare dispose', mf.dispose()).catch((e) => reporter.broken(e));
  if (orchestrator) await within(8000, 'orchestrator close', orchestrator.close()).catch((e) => reporter.broken(e));
  await reporter.finish();
}
