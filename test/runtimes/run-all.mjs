#!/usr/bin/env node
// Runs every runtime runner one after another (Chromium, Deno, Bun, workerd; Node is
// `npx vitest run test/runtimes/node.test.ts`) and sums their RESULT lines:
// `node test/runtimes/run-all.mjs [--grep <regexp>]` after `npm run build`.
// Its own RESULT line sums the cases of all runners; a runner without a RESULT line counts as
// one failure.
import path from 'node:path';
import { createReporter, deadline, killChildren, repoRoot, spawnBounded } from './common.mjs';

const reporter = createReporter('all');
deadline(reporter, 1_100_000);
let passed = 0;
let failed = 0;
const extra = process.argv.slice(2);
for (const runner of ['chromium', 'deno', 'bun', 'workerd']) {
  let result;
  const { done } = spawnBounded(process.execPath, [path.join(repoRoot, `test/runtimes/run-${runner}.mjs`), ...extra], {
    timeoutMs: 260_000,
    onLine: (line) => {
      console.log(line);
      if (line.startsWith('RESULT ')) {
        try {
          result = JSON.parse(line.slice(7));
        } catch {
          // reported below as a broken runner
        }
      }
    },
  });
  const exit = await done;
  if (!result) {
    failed += 1;
    console.log(`BROKEN ${runner}: no RESULT line (exit ${exit.code}${exit.timedOut ? ', timed out' : ''})`);
    continue;
  }
  passed += result.passed;
  failed += result.failed + (result.failed === 0 && exit.code !== 0 ? 1 : 0);
}
await killChildren();
console.log(`RESULT ${JSON.stringify({ runner: 'all', passed, failed })}`);
process.exit(failed > 0 ? 1 : 0);
