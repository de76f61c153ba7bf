/**
 * The README's runtime snippets are quoted from files that a runner executes
 * (examples/* by test/runtimes/run-examples.mjs, demo/* by e2e/run-demo.mjs). Each quoted
 * block is preceded by `<!-- snippet: <path> -->`; this test fails when a quote drifts from
 * its file, so the README never shows code that is not tested.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
const snippets = [...readme.matchAll(/<!-- snippet: (\S+) -->\s*```\w*\n([\s\S]*?)```/g)].map((m) => ({
  file: m[1]!,
  code: m[2]!,
}));

describe('README snippets', () => {
  it('quotes at least one snippet per runtime (node, browser, deno, bun, workers)', () => {
    const files = snippets.map((s) => s.file).join(' ');
    for (const runtime of ['node', 'deno', 'bun']) expect(files).toContain(`examples/${runtime}/`);
    expect(files).toMatch(/demo\/page\//);
    expect(files).toMatch(/demo\/edge\//);
  });

  for (const { file, code } of snippets) {
    it(`${file}: the quoted lines stand in the file, in order`, () => {
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
