/**
 * The snippets of README.md and docs/testing.md are quoted from files that a runner executes
 * (examples/* by test/runtimes/run-examples.mjs, demo/* by e2e/run-demo.mjs, examples/testing/*
 * by vitest and e2e/run-pack.mjs). Each quoted block is preceded by `<!-- snippet: <path> -->`;
 * this test fails when a quote drifts from its file, so the docs never show code that is not
 * tested.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const quotes = (doc: string) =>
  [...readFileSync(path.join(root, doc), 'utf8').matchAll(/<!-- snippet: (\S+) -->\s*```\w*\n([\s\S]*?)```/g)].map((m) => ({
    doc,
    file: m[1]!,
    code: m[2]!,
  }));
const snippets = quotes('README.md');
const testingSnippets = quotes('docs/testing.md');

describe('README snippets', () => {
  it('quotes at least one snippet per runtime (node, browser, deno, bun, workers)', () => {
    const files = snippets.map((s) => s.file).join(' ');
    for (const runtime of ['node', 'deno', 'bun']) expect(files).toContain(`examples/${runtime}/`);
    expect(files).toMatch(/demo\/page\//);
    expect(files).toMatch(/demo\/edge\//);
  });

  it('docs/testing.md quotes its vitest example and the config file it documents', () => {
    expect(testingSnippets.map((s) => s.file)).toEqual(expect.arrayContaining(['examples/testing/worker.test.ts', 'examples/testing/engine.json']));
  });

  for (const { doc, file, code } of [...snippets, ...testingSnippets]) {
    it(`${doc} quotes ${file}: the quoted lines stand in the file, in order`, () => {
      const source = readFileSync(path.join(root, file), 'utf8');
      // Quotes may leave out lines (marked `// …`) but never change one.
      const pieces = code.split(/^\s*\/\/ …\s*$/m).map((p) => p.trim()).filter(Boolean);
      let from = 0;
      for (const piece of pieces) {
        const at = source.indexOf(piece, from);
        expect(at, `not found verbatim in ${file}:\n${piece}`).toBeGreaterThanOrEqual(0);
        from = at + piece.length;
      }
    });
  }
});
