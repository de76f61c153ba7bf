// Playwright Test configuration for the demo's end-to-end specs (e2e/*.spec.ts).
//
//   node e2e/run-demo.mjs                           what `npm test` runs: this config, then a RESULT line
//   node_modules/.bin/playwright test -c e2e/playwright.config.ts    the same, without the RESULT line
//
// Chromium is Debian's /usr/bin/chromium: Playwright's own browser downloads are not used (and
// `npm ci` installs none). globalSetup starts `npm run demo` once (one shared process on free
// ports), so there is one worker and the spec files run in alphabetical order:
// demo-flows.spec.ts, then demo-resilience.spec.ts (engine restart, wrong token, Ctrl-C).
import { defineConfig } from '@playwright/test';

/** Everything the runs write: screenshots, the demo's log, traces of failures, the JSON report. */
const artifactsDir = 'artifacts';

export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  outputDir: `${artifactsDir}/test-results`,
  globalSetup: './demo-global-setup.ts',
  // The demo is one shared process: one worker, files and tests in order, no retries (a retry
  // would run against a demo that a failed test may have left in another state).
  workers: 1,
  fullyParallel: false,
  retries: 0,
  forbidOnly: true,
  // Bounds, so that nothing hangs: the whole run (demo start included), each test, each
  // expect/action/navigation. e2e/run-demo.mjs kills everything after 5 minutes anyway.
  globalTimeout: 240_000,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list'], ['json', { outputFile: `${artifactsDir}/report.json` }]],
  use: {
    headless: true,
    viewport: { width: 1280, height: 1000 },
    actionTimeout: 15_000,
    navigationTimeout: 15_000,
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
  },
  projects: [
    {
      name: 'chromium',
      use: {
        browserName: 'chromium',
        launchOptions: {
          executablePath: '/usr/bin/chromium',
          // Without the last three, Chromium keeps trying to reach Google's services.
          args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
          timeout: 30_000,
        },
      },
    },
  ],
});
