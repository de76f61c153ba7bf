/**
 * A hostile engine sends fuzzed frames (prototype names, wrong types, deep nesting, huge strings,
 * binary, invalid JSON, broken answers to real calls, odd invocations of real functions). No
 * escape: no unhandled rejection or uncaught exception in this process, no prototype pollution,
 * and the same worker works with a good engine afterwards. 20,000 frames here; the measuring
 * script sends 400,000.
 */
import { afterEach, expect, it } from 'vitest';
import { cleanup } from '../node/helpers.js';
import { runFuzz } from './hostile-engine.js';

afterEach(cleanup);

it('20,000 fuzzed frames from a hostile engine: no escape, no pollution, the worker works with a good engine afterwards', { timeout: 90_000 }, async () => {
  const report = await runFuzz({ frames: 20_000, seed: 10 });
  const summary = JSON.stringify(report);
  expect(report.frames, summary).toBe(20_000);
  expect(report.escapeExamples, summary).toEqual([]);
  expect(report.polluted, summary).toEqual([]);
  expect(report.recoverError, summary).toBeUndefined();
  expect(report.recovered, summary).toBe(true);
});
