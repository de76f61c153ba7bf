/**
 * The snippets of README.md and docs/*.md are quoted from files that a runner executes
 * (examples/<runtime>/* by test/runtimes/run-examples.mjs, demo/* by e2e/run-demo.mjs,
 * examples/testing, examples/auth and examples/errors by vitest and e2e/run-pack.mjs). Each quoted
 * block is preceded by `<!-- snippet: <path> -->`; this test fails when a quote drifts from its
 * file, so the docs never show code that is not tested.
 */
import { readdirSync, readFileSync } from 'node:fs';
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
const docs = ['README.md', ...readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const all = docs.flatMap(quotes);
const quotedBy = (doc: string) => all.filter((s) => s.doc === doc).map((s) => s.file);

describe('README and docs snippets', () => {
  it('README quotes the Node example, the demo page (a browser tab) and the edge function', () => {
    expect(quotedBy('README.md')).toEqual(expect.arrayContaining(['examples/node/worker.ts', 'demo/page/app.ts', 'demo/edge/worker.ts']));
  });

  it('docs/runtimes.md quotes an example per runtime', () => {
    expect(quotedBy('docs/runtimes.md')).toEqual(
      expect.arrayContaining(['examples/deno/worker.ts', 'examples/bun/worker.ts', 'demo/page/app.ts', 'demo/edge/worker.ts']),
    );
  });

  it('docs/testing.md quotes its vitest example and the config file it documents', () => {
    expect(quotedBy('docs/testing.md')).toEqual(expect.arrayContaining(['examples/testing/worker.test.ts', 'examples/testing/engine.json']));
  });

  it('docs/auth.md, docs/errors.md and docs/troubleshooting.md quote their tested examples', () => {
    expect(quotedBy('docs/auth.md')).toEqual(expect.arrayContaining(['examples/auth/rbac-session.test.ts', 'examples/auth/fresh-token.test.ts']));
    expect(quotedBy('docs/errors.md')).toContain('examples/errors/errors.test.ts');
    expect(quotedBy('docs/troubleshooting.md')).toContain('examples/errors/errors.test.ts');
  });

  for (const { doc, file, code } of all) {
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
