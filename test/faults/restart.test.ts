/**
 * Issue 10 item 2: the engine process is killed (SIGKILL) and restarted on the same port while
 * calls are in flight and queued. Promise: 0 calls lost, 0 run twice, and every call queued
 * during an outage succeeds once the worker that owns its function is back, within the call's
 * timeout (issue 10's `retryUndelivered`, default true). Small counts here (3 restarts);
 * `npm run faults:measure` runs 10,000 calls and 15 restarts.
 */
import { afterEach, expect, it } from 'vitest';
import { cleanup } from '../node/helpers.js';
import { runRestartLoad } from './restart-load.js';

afterEach(cleanup);

it('engine killed and restarted 3 times under load: 0 lost, 0 run twice, every queued call succeeds', { timeout: 90_000 }, async () => {
  const report = await runRestartLoad({ calls: 1200, restarts: 3, ratePerSecond: 200, callTimeoutMs: 10_000 });
  const summary = JSON.stringify(report);
  expect(report.restarts, summary).toBe(3);
  expect(report.lost, summary).toBe(0);
  expect(report.ranTwice, summary).toBe(0);
  expect(report.queuedTotal, `some calls must have been queued during the outages: ${summary}`).toBeGreaterThan(0);
  expect(report.examples, summary).toEqual([]);
  expect(report.broken, summary).toBe(0);
  expect(report.queuedSucceeded, summary).toBe(report.queuedTotal);
  expect(report.restartsWithQueued, summary).toBe(3);
  expect(report.restartsAllQueuedOk, summary).toBe(3);
});
