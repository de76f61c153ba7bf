#!/usr/bin/env node
// Runs the documented per-runtime examples (examples/<runtime>/worker.ts) against the reference
// engine (or the external engine of III_TEST_ENGINE_URL), each in its own runtime, importing 'iii-isomorphic' exactly as a user does (the
// package resolves itself through its exports map and the runtime's export condition), and
// checks what each prints. README.md and docs/runtimes.md quote these files; test/unit/readme-snippets.test.ts
// keeps the quotes verbatim.
import path from 'node:path';
import { createReporter, deadline, importTs, repoRoot, spawnBounded } from './common.mjs';

const reporter = createReporter('examples');
const stopDeadline = deadline(reporter, 120_000);
const bin = (name) => path.join(repoRoot, 'node_modules/.bin', name);

const examples = [
  { name: 'node (tsx)', cmd: bin('tsx'), args: ['examples/node/worker.ts'], expect: ['HELLO', '1,2,3'] },
  {
    name: 'deno',
    cmd: bin('deno'),
    args: ['run', '--allow-net', '--allow-env', '--allow-read', '--config', 'examples/deno/deno.json', 'examples/deno/worker.ts'],
    expect: ['sum 5', 'error function_not_found'],
  },
  { name: 'bun', cmd: bin('bun'), args: ['examples/bun/worker.ts'], expect: ['seen 1'] },
];

let engine;
try {
  const { externalEngine } = await importTs('test/external-engine.ts');
  if (externalEngine) {
    engine = { url: externalEngine.url, close: async () => undefined };
  } else {
    const { startEngine } = await importTs('test/engine/index.ts');
    engine = await startEngine({ port: 0 });
  }
  for (const example of examples) {
    const started = Date.now();
    const out = [];
    const { done } = spawnBounded(example.cmd, example.args, {
      timeoutMs: 30_000,
      env: { III_URL: engine.url, NO_COLOR: '1' },
      onLine: (line) => out.push(line.trim()),
    });
    const exit = await done;
    const missing = example.expect.filter((line) => !out.includes(line));
    const ok = exit.code === 0 && missing.length === 0;
    reporter.record(
      example.name,
      ok,
      Date.now() - started,
      ok ? undefined : `exit ${exit.code}${exit.timedOut ? ' (timed out)' : ''}; missing ${JSON.stringify(missing)}; printed ${JSON.stringify(out)}`,
    );
  }
} catch (error) {
  reporter.broken(error);
} finally {
  stopDeadline();
  await engine?.close();
  await reporter.finish();
}
