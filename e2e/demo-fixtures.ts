// Fixtures and helpers for the demo specs.
//
// `demo`: the URLs and pid of the demo that the global setup started (one for the whole run).
// `tab`: one browser tab on the demo page, shared by every spec of the worker, as a user would keep
// one tab open: the page's counter, call log, chart and connection history carry over from one
// spec to the next, and the restart specs watch the same tab recover. Uncaught errors of every tab
// go to e2e/artifacts/page-errors.log: a file, because after a failed spec Playwright starts a new
// worker with a new tab, and the check at the end must still see the errors of the first one.
import { appendFileSync, readFileSync } from 'node:fs';
import { test as base, expect, type BrowserContext, type Locator, type Page, type TestInfo } from '@playwright/test';
import { artifactPath, demoEnv } from './demo-paths.js';

export { expect };

export interface Demo {
  pageUrl: string;
  edgeUrl: string;
  /** The demo's pid; it was spawned detached, so also its process group id. */
  pid: number;
}

export interface Tab {
  context: BrowserContext;
  page: Page;
}

/** What the page exposes as `window.__demo` (demo/page/app.ts), as the specs read it. */
export interface DemoWindow {
  __demo: {
    states: string[];
    toasts: string[];
    counter: number | undefined;
    chart: { received: number; samples: { value: number }[] } | undefined;
    upload: undefined | { name: string; bytes: number; node: string; local: string; match: boolean };
  };
}

export const test = base.extend<object, { demo: Demo; tab: Tab }>({
  demo: [
    async ({}, use) => {
      const pageUrl = process.env[demoEnv.pageUrl];
      const edgeUrl = process.env[demoEnv.edgeUrl];
      const pid = Number(process.env[demoEnv.pid]);
      if (!pageUrl || !edgeUrl || !Number.isInteger(pid)) {
        throw new Error('no demo: run the specs with -c e2e/playwright.config.ts, whose global setup starts it');
      }
      await use({ pageUrl, edgeUrl, pid });
    },
    { scope: 'worker' },
  ],
  tab: [
    async ({ browser, demo }, use) => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
      context.setDefaultTimeout(15_000);
      context.setDefaultNavigationTimeout(15_000);
      const page = await context.newPage();
      watchPageErrors(page, 'demo tab');
      await page.goto(demo.pageUrl);
      await use({ context, page });
      await context.close();
    },
    { scope: 'worker', timeout: 30_000 },
  ],
});

/** Records the page's uncaught errors in e2e/artifacts/page-errors.log. */
export function watchPageErrors(page: Page, label: string): void {
  page.on('pageerror', (error) => appendFileSync(artifactPath('page-errors.log'), `${label}: ${error.message.split('\n')[0]}\n`));
}

/** Every uncaught page error of the run so far, one per line. */
export function pageErrors(): string[] {
  return readFileSync(artifactPath('page-errors.log'), 'utf8').split('\n').filter(Boolean);
}

/** A snapshot of the page's state (the last 20 chart values only). */
export function demoState(page: Page) {
  return page.evaluate(() => {
    const d = (window as unknown as DemoWindow).__demo;
    return {
      badge: document.getElementById('badge')?.dataset.state,
      counter: d.counter,
      received: d.chart?.received ?? 0,
      values: (d.chart?.samples ?? []).slice(-20).map((s) => s.value),
      states: d.states.slice(),
      toasts: d.toasts.slice(),
      upload: d.upload,
    };
  });
}

/** The newest entry of the page's call log for `fn`, once the call has finished (ok or error). */
export async function finishedCall(page: Page, fn: string, timeout = 10_000): Promise<Locator> {
  const entry = page.locator(`#log li[data-fn="${fn}"]`).first();
  await expect(entry, `the call to ${fn} finishes`).toHaveAttribute('data-outcome', { timeout });
  return entry;
}

/** Notes a detail of a passing test in the report (like the hand-written runner's "— detail"). */
export function note(testInfo: TestInfo, description: string): void {
  testInfo.annotations.push({ type: 'detail', description });
}

/**
 * Saves a full-page screenshot as e2e/artifacts/<name>.png (the global setup removes the previous
 * run's). A failed screenshot is noted, not fatal: it is evidence, not the behaviour under test.
 * (Not attached to the test: Playwright would copy it into test-results/, which then holds only
 * what failures leave: their screenshot, trace and error context.)
 */
export async function screenshot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  try {
    await page.screenshot({ path: artifactPath(`${name}.png`), fullPage: true, timeout: 10_000 });
  } catch (error) {
    testInfo.annotations.push({ type: 'screenshot failed', description: `${name}: ${(error as Error).message.split('\n')[0]}` });
  }
}
