#!/usr/bin/env node
// Conformance suite in headless Chromium: `node test/runtimes/run-chromium.mjs [--grep <regexp>]`
// (after `npm run build`). The page and the bundle (the built browser entry + the suite) are
// served by the orchestrator's control endpoint, so the control calls are same-origin.
import path from 'node:path';
import {
  createReporter,
  deadline,
  grepArg,
  importTs,
  repoRoot,
  requireBuilt,
  within,
} from './common.mjs';

const runner = 'chromium';
const reporter = createReporter(runner);
deadline(reporter, 240_000);

const page = `<!doctype html><meta charset="utf-8"><title>iii conformance</title>
<script type="module" src="/bundle.js"></script>`;

let browser;
let orchestrator;
try {
  await requireBuilt('browser');
  await requireBuilt('node');
  const esbuild = await import('esbuild');
  const bundle = await esbuild.build({
    entryPoints: [path.join(repoRoot, 'test/runtimes/browser/main.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'error',
  });
  const { startOrchestrator } = await importTs('test/runtimes/orchestrator.ts');
  orchestrator = await within(15_000, 'orchestrator start', startOrchestrator({
    files: {
      '/': { type: 'text/html; charset=utf-8', body: page },
      '/favicon.ico': { type: 'image/x-icon', body: '' },
      '/bundle.js': { type: 'text/javascript; charset=utf-8', body: bundle.outputFiles[0].contents },
    },
  }));
  const { chromium } = await import('playwright-core');
  browser = await within(30_000, 'chromium launch', chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--headless',
    ],
    timeout: 30_000,
  }));
  const tab = await browser.newPage();
  const pageErrors = [];
  tab.on('pageerror', (e) => pageErrors.push(e.message));
  tab.on('console', (m) => {
    if (process.env.CONFORMANCE_VERBOSE || m.type() === 'error') console.log(`  | [console.${m.type()}] ${m.text()}`);
  });
  await tab.goto(`${orchestrator.config.controlUrl}/`, { timeout: 15_000 });
  await tab.waitForFunction(() => typeof window.conformance === 'object', undefined, { timeout: 15_000 });
  const grep = grepArg();
  const names = (await tab.evaluate(() => window.conformance.names())).filter((n) => !grep || new RegExp(grep).test(n));
  for (const name of names) {
    try {
      const r = await within(40_000, `case "${name}"`, tab.evaluate((n) => window.conformance.run(n), name));
      reporter.record(r.name, r.ok, r.ms, r.error, r.skipped);
    } catch (error) {
      reporter.record(name, false, undefined, error instanceof Error ? error.message : String(error));
    }
  }
  if (pageErrors.length) console.log(`  | page errors: ${pageErrors.join(' | ')}`);
} catch (error) {
  reporter.broken(error);
} finally {
  if (browser) await within(10_000, 'chromium close', browser.close()).catch((e) => reporter.broken(e));
  if (orchestrator) await within(8000, 'orchestrator close', orchestrator.close()).catch((e) => reporter.broken(e));
  await reporter.finish();
}
