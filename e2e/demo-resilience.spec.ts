// What must run after the flows (demo-flows.spec.ts sorts first; one worker runs the files in
// alphabetical order and the tests of a file in order): the engine restart and the tab's recovery,
// a tab with a wrong token, the run-wide check for uncaught page errors, and last of all Ctrl-C,
// which ends the demo.
import { existsSync, readFileSync } from 'node:fs';
import { needsReference } from '../test/external-engine.js';
import { artifactPath } from './demo-paths.js';
import { demoState, expect, finishedCall, note, pageErrors, screenshot, test, watchPageErrors, type DemoWindow } from './demo-fixtures.js';

test.describe.serial('engine restart', () => {
  const skip = needsReference('the demo restarts its embedded engine (an external one answers 409)');
  test.skip(skip !== undefined, skip);
  test('the badge shows reconnecting while the engine restarts, then connected again', async ({ tab: { page } }, testInfo) => {
    const before = (await demoState(page)).states.length;
    const restarting = page.click('#btn-restart');
    await expect
      .poll(async () => (await demoState(page)).states.slice(before), { message: 'the tab reports reconnecting' })
      .toContain('reconnecting');
    await screenshot(page, testInfo, 'demo-reconnecting');
    await restarting;
    await expect(page.locator('#badge')).toHaveAttribute('data-state', 'connected', { timeout: 20_000 });
    note(testInfo, `states ${(await demoState(page)).states.slice(before).join(' → ')}`);
  });

  test('after the restart, calls, the counter and the chart work again', async ({ tab: { page } }, testInfo) => {
    const finishedAdds = page.locator('#log li[data-fn="backend::demo::add"]:not(.pending)');
    const before = await finishedAdds.count();
    await page.click('#btn-add');
    await expect.poll(() => finishedAdds.count(), { message: 'the new call finishes' }).toBeGreaterThan(before);
    await expect(await finishedCall(page, 'backend::demo::add')).toHaveAttribute('data-outcome', 'ok');
    const a = await demoState(page);
    await expect.poll(async () => (await demoState(page)).counter, { message: 'the counter resumes' }).toBeGreaterThan(a.counter ?? -1);
    await expect
      .poll(async () => (await demoState(page)).received, { message: 'the chart receives a new stream', timeout: 15_000 })
      .toBeGreaterThan(a.received + 5);
    const b = await demoState(page);
    note(testInfo, `counter ${a.counter} → ${b.counter}, samples ${a.received} → ${b.received}`);
    await screenshot(page, testInfo, 'demo-after-restart');
  });
});

test('a tab with a wrong token is refused by the auth function and never connects', async ({ demo, tab: { context } }, testInfo) => {
  const other = await context.newPage();
  watchPageErrors(other, 'wrong-token tab');
  try {
    await other.goto(`${demo.pageUrl}?token=wrong`);
    await expect(other.locator('#badge-text')).toContainText('auth refused');
    // A negative needs a window: one more second (and retries) without connecting.
    await other.waitForTimeout(1000);
    await expect(other.locator('#badge')).not.toHaveAttribute('data-state', 'connected', { timeout: 1 });
    const states = await other.evaluate(() => (window as unknown as DemoWindow).__demo.states.slice());
    expect(states, 'the connection states of the refused tab').not.toContain('connected');
    note(testInfo, `badge ${await other.getAttribute('#badge', 'data-state')}: ${await other.textContent('#badge-text')}`);
    await screenshot(other, testInfo, 'demo-wrong-token');
  } finally {
    await other.close();
  }
});

test('no uncaught errors in the page during the whole run', async () => {
  expect(pageErrors()).toEqual([]);
});

test('Ctrl-C (SIGINT to the process group) stops the demo and all its children cleanly', async ({ demo }) => {
  // A terminal's Ctrl-C signals the whole foreground process group: the demo and workerd.
  process.kill(-demo.pid, 'SIGINT');
  const exitFile = artifactPath('demo-exit.json');
  await expect.poll(() => existsSync(exitFile), { message: 'the demo exits within 12 s', timeout: 12_000 }).toBe(true);
  expect(JSON.parse(readFileSync(exitFile, 'utf8')), 'exit code 0, not killed by a signal').toEqual({ code: 0, signal: null });
  await expect
    .poll(() => readFileSync(artifactPath('demo.log'), 'utf8'), { message: 'the demo logs "[demo] stopped"', timeout: 2000 })
    .toContain('[demo] stopped');
  const groupAlive = () => {
    try {
      process.kill(-demo.pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  // A moment for stragglers (workerd); then no process of the group may be left.
  await expect.poll(groupAlive, { message: 'no process of the demo is left', timeout: 2000 }).toBe(false);
});
