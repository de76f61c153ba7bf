// Conformance suite in Node: each case of test/conformance/suite.ts as one vitest test, run
// against the built Node entry (dist/node/index.js, what users get). Needs `npm run build`.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { casesFor, runCase } from '../conformance/suite.js';
import { startOrchestrator, type Orchestrator } from './orchestrator.js';

const entry = path.resolve(import.meta.dirname, '../../dist/node/index.js');

describe.runIf(existsSync(entry))('conformance (node, dist/node/index.js)', () => {
  let orchestrator: Orchestrator;
  let sdk: unknown;

  beforeAll(async () => {
    sdk = await import(pathToFileURL(entry).href);
    orchestrator = await startOrchestrator({ helperEntry: entry });
  });

  afterAll(async () => {
    await orchestrator?.close();
  });

  for (const c of casesFor('node')) {
    it(c.name, { timeout: (c.timeoutMs ?? 15000) + 5000 }, async (ctx) => {
      const r = await runCase('node', sdk, orchestrator.config, c.name);
      if (r.skipped !== undefined) ctx.skip(r.skipped);
      expect(r.error ?? '').toBe('');
      expect(r.ok).toBe(true);
    });
  }
});

it.skipIf(existsSync(entry))('conformance (node) needs `npm run build` first', () => {
  throw new Error('dist/node/index.js is missing: run `npm run build` before the runtime conformance tests');
});
