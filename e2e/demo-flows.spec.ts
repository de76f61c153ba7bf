// The demo's flows in one browser tab (Debian's chromium): the tab joins the engine through the
// RBAC listener, the Node worker calls the tab's ui::* functions, the tab calls the backend
// (results, errors, a timeout, an RBAC refusal), a channel feeds the chart, an upload is hashed on
// both sides, and the edge function answers from workerd. demo-resilience.spec.ts runs after this
// file (alphabetical order, one worker) and ends the demo.
import { createHash, randomBytes } from 'node:crypto';
import { demoState, expect, finishedCall, note, screenshot, test, type DemoWindow } from './demo-fixtures.js';

test('the demo starts and prints its page and edge URLs', async ({ demo }, testInfo) => {
  // The global setup waited for these lines; a demo that did not start fails the whole run.
  expect(demo.pageUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  expect(demo.edgeUrl).toMatch(/^http:\/\//);
  note(testInfo, `${demo.pageUrl} edge ${demo.edgeUrl}`);
});

test('the page loads and connects through the RBAC listener (badge: connected)', async ({ tab: { page } }, testInfo) => {
  await expect(page.locator('#badge')).toHaveAttribute('data-state', 'connected', { timeout: 15_000 });
  await expect(page.locator('#rbac-url')).toContainText('?token=demo-token');
  note(testInfo, (await page.textContent('#worker-id')) ?? '');
  await screenshot(page, testInfo, 'demo-connected');
});

test('the page bundles the BUILT browser entry (dist/browser/index.js), not the SDK sources', async ({ demo }, testInfo) => {
  const response = await fetch(new URL('/app.js', demo.pageUrl), { signal: AbortSignal.timeout(5000) });
  expect(response.status).toBe(200);
  const js = await response.text();
  const map = /sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)/.exec(js)?.[1];
  expect(map, 'app.js has an inline source map').toBeTruthy();
  const sources: string[] = JSON.parse(Buffer.from(map!, 'base64').toString('utf8')).sources;
  expect(sources, 'dist/browser/index.js is bundled').toContainEqual(expect.stringMatching(/dist\/browser\/index\.js$/));
  expect(sources.filter((s) => /(^|\/)(src|platform)\//.test(s)), 'no SDK source file is bundled').toEqual([]);
  note(testInfo, `${Math.round(js.length / 1024)} KiB with its source map`);
});

test('the Node worker pushes the live counter (ui::counter increments)', async ({ tab: { page } }, testInfo) => {
  const counter = () => page.evaluate(() => (window as unknown as DemoWindow).__demo.counter);
  await expect.poll(counter, { message: 'the first ui::counter call arrives' }).toEqual(expect.any(Number));
  const first = (await counter())!;
  await expect.poll(counter, { message: 'the counter goes up by two' }).toBeGreaterThanOrEqual(first + 2);
  const later = (await counter())!;
  expect(Number(await page.textContent('#counter')), 'the page shows the counter').toBeGreaterThanOrEqual(later - 1);
  note(testInfo, `${first} → ${later}`);
  await screenshot(page, testInfo, 'demo-counter');
});

test('the Node worker calls ui::toast (POST /api/toast shows a toast in the tab)', async ({ demo, tab: { page } }, testInfo) => {
  const message = `e2e toast ${randomBytes(3).toString('hex')}`;
  const response = await fetch(new URL('/api/toast', demo.pageUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ message }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = await response.json();
  expect(body, 'the page answered the Node worker').toMatchObject({ ok: true, answer: { shown: true } });
  await expect(page.locator('.toast', { hasText: message })).toBeVisible({ timeout: 5000 });
  note(testInfo, `page answered ${JSON.stringify(body.answer)}`);
  await screenshot(page, testInfo, 'demo-toast');
});

test('round trip: page → backend::demo::toast-me → Node worker → ui::toast in the page', async ({ tab: { page } }, testInfo) => {
  await page.click('#btn-toast-me');
  const entry = await finishedCall(page, 'backend::demo::toast-me');
  await expect(entry).toHaveAttribute('data-outcome', 'ok');
  await expect(page.locator('.toast', { hasText: 'you asked for a toast' })).toBeVisible({ timeout: 5000 });
  await screenshot(page, testInfo, 'demo-toast-round-trip');
});

test('a backend result is shown (backend::demo::add 20 + 22 = 42)', async ({ tab: { page } }, testInfo) => {
  await page.click('#btn-add');
  const entry = await finishedCall(page, 'backend::demo::add');
  await expect(entry).toHaveAttribute('data-outcome', 'ok');
  await expect(entry).toContainText('"sum":42');
  await screenshot(page, testInfo, 'demo-add');
});

test('a backend error is shown (backend::demo::fail → IIIInvocationError)', async ({ tab: { page } }, testInfo) => {
  await page.click('#btn-fail');
  const entry = await finishedCall(page, 'backend::demo::fail');
  await expect(entry).toHaveAttribute('data-outcome', 'error');
  await expect(entry).toHaveAttribute('data-error-name', 'IIIInvocationError');
  await expect(entry).toContainText('failed on purpose');
  note(testInfo, `[${await entry.getAttribute('data-error-code')}]`);
  await screenshot(page, testInfo, 'demo-fail');
});

test('a client timeout is shown (backend::demo::slow with 1 s → IIITimeoutError)', async ({ tab: { page } }, testInfo) => {
  await page.click('#btn-slow');
  const entry = await finishedCall(page, 'backend::demo::slow');
  await expect(entry).toHaveAttribute('data-outcome', 'error');
  await expect(entry).toHaveAttribute('data-error-name', 'IIITimeoutError');
  await screenshot(page, testInfo, 'demo-timeout');
});

test('a call RBAC does not expose fails clearly (backend::admin::reset → IIIForbiddenError FORBIDDEN)', async ({ tab: { page } }, testInfo) => {
  await page.click('#btn-forbidden');
  const entry = await finishedCall(page, 'backend::admin::reset');
  await expect(entry).toHaveAttribute('data-outcome', 'error');
  await expect(entry).toHaveAttribute('data-error-name', 'IIIForbiddenError');
  await expect(entry).toHaveAttribute('data-error-code', 'FORBIDDEN');
  note(testInfo, ((await entry.textContent()) ?? '').replace(/\s+/g, ' ').slice(0, 120));
  await screenshot(page, testInfo, 'demo-forbidden');
});

test('the live chart moves (channel → ReadableStream in the tab)', async ({ tab: { page } }, testInfo) => {
  await expect.poll(async () => (await demoState(page)).received, { message: 'ten samples arrive', timeout: 15_000 }).toBeGreaterThanOrEqual(10);
  const a = await demoState(page);
  // More samples arrive and the newest values change (a stream of one repeated value would not do).
  await expect(async () => {
    const b = await demoState(page);
    expect(b.received, 'samples keep arriving').toBeGreaterThan(a.received);
    expect(new Set(b.values).size, `the values vary: ${b.values.join(',')}`).toBeGreaterThan(1);
    expect(b.values.join(), 'the newest values changed').not.toBe(a.values.join());
  }).toPass({ timeout: 10_000 });
  const b = await demoState(page);
  note(testInfo, `samples ${a.received} → ${b.received}, last ${b.values.at(-1)}`);
  await screenshot(page, testInfo, 'demo-chart');
});

test('an upload through a WritableStream: the Node worker’s SHA-256 equals the expected hash', async ({ tab: { page } }, testInfo) => {
  const bytes = randomBytes(1536 * 1024 + 123);
  const expected = createHash('sha256').update(bytes).digest('hex');
  await page.setInputFiles('#file', { name: 'e2e-upload.bin', mimeType: 'application/octet-stream', buffer: bytes });
  const upload = () => page.evaluate(() => (window as unknown as DemoWindow).__demo.upload);
  await expect.poll(async () => (await upload())?.name, { message: 'the upload finishes', timeout: 20_000 }).toBe('e2e-upload.bin');
  const result = (await upload())!;
  expect(result.node, 'the hash the Node worker computed').toBe(expected);
  expect(result.local, 'the hash the tab computed').toBe(expected);
  expect(result).toMatchObject({ bytes: bytes.length, match: true });
  await expect(page.locator('#hash-verdict')).toContainText('hashes match');
  note(testInfo, `${bytes.length} bytes, ${expected.slice(0, 16)}…`);
  await screenshot(page, testInfo, 'demo-upload');
});

test('the edge function (workerd) answers with the trigger result, and the tab can call it', async ({ demo, tab: { page } }, testInfo) => {
  const response = await fetch(`${demo.edgeUrl.replace(/\?.*$/, '')}?name=e2e`, { signal: AbortSignal.timeout(10_000) });
  const body = await response.json();
  expect(response.status, JSON.stringify(body)).toBe(200);
  expect(body).toMatchObject({ ok: true, runtime: 'workerd', result: { greeting: 'Hello, e2e!' } });
  await page.click('#btn-edge');
  await expect(page.locator('#edge-out')).toContainText('Hello, browser tab!');
  expect(await page.getAttribute('#edge-link', 'href')).toMatch(/^http:\/\/127\.0\.0\.1:/);
  note(testInfo, `${body.elapsed_ms} ms via workerd`);
  await screenshot(page, testInfo, 'demo-edge');
  // The whole page after every flow (the screenshot the hand-written runner took here).
  await screenshot(page, testInfo, 'demo-page');
});
