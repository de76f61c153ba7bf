/**
 * Every citation resolves for a reader of the repository or of the package: each `§N.M` cited in
 * the code (src/, platform/, cli/, test/engine/) and in the shipped declarations (dist/**\/*.d.ts)
 * is a section of docs/protocol.md, and every `*.md` file named anywhere in the sources and docs
 * exists in the repository (no path outside it, no design notes the reader cannot open).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function walk(dir: string, keep: (file: string) => boolean): string[] {
  const full = path.join(root, dir);
  if (!existsSync(full)) return [];
  if (statSync(full).isFile()) return keep(dir) ? [dir] : [];
  return readdirSync(full, { withFileTypes: true }).flatMap((e) =>
    e.name === 'node_modules' || e.name === '.tmp' || e.name === 'artifacts' ? [] : walk(path.join(dir, e.name), keep),
  );
}

/** Section numbers of docs/protocol.md: `## 3. …`, `### 3.7 …`, and the §-titled clarifications of §8. */
function sections(): Set<string> {
  const found = new Set<string>();
  for (const [, number] of readFileSync(path.join(root, 'docs/protocol.md'), 'utf8').matchAll(/^#{2,4} §?(\d+(?:\.\d+)*)\.?\s/gm)) found.add(number!);
  return found;
}

/** `§N.M` citations of a text, with their line; RFC sections (`RFC 9110 §5.1, §5.5`) are not ours. */
function citations(text: string): Array<{ section: string; line: number }> {
  const out: Array<{ section: string; line: number }> = [];
  text.split('\n').forEach((line, i) => {
    const ours = line.replace(/RFC \d+ §[\d.]+(?:,? §[\d.]+)*/g, '');
    for (const m of ours.matchAll(/§\s?(\d+(?:\.\d+)*)/g)) out.push({ section: m[1]!.replace(/\.$/, ''), line: i + 1 });
  });
  return out;
}

const code = ['src', 'platform', 'cli', 'test/engine'].flatMap((d) => walk(d, (f) => /\.(ts|mjs|js)$/.test(f)));
const declarations = walk('dist', (f) => /\.d\.c?ts$/.test(f));
const prose = [
  ...['src', 'platform', 'cli', 'test', 'e2e', 'scripts', 'demo', 'examples', 'docs', '.ci'].flatMap((d) =>
    walk(d, (f) => /\.(ts|mjs|js|md|json|sh)$/.test(f) || f === '.ci/run'),
  ),
  ...['README.md', 'ARCHITECTURE.md', 'CHANGELOG.md', 'rollup.config.mjs', 'vitest.config.ts', 'package.json', 'typedoc.json'],
].filter((f) => !f.startsWith('docs/api/') && !f.startsWith('demo/public/'));

describe('citations resolve inside the repository', () => {
  const known = sections();

  it('docs/protocol.md has the numbered sections the code cites', () => {
    for (const s of ['1.1', '1.3', '2.4', '3.7', '3.15', '4.6', '5', '6.6', '7', '8']) expect(known, `§${s}`).toContain(s);
  });

  it('every § in src/, platform/, cli/ and test/engine/ is a section of docs/protocol.md', () => {
    const bad: string[] = [];
    let count = 0;
    for (const file of code) {
      for (const { section, line } of citations(readFileSync(path.join(root, file), 'utf8'))) {
        count++;
        if (!known.has(section)) bad.push(`${file}:${line} §${section}`);
      }
    }
    expect(count, 'citations found').toBeGreaterThan(100);
    expect(bad).toEqual([]);
  });

  it.runIf(declarations.length > 0)('every § in the shipped declarations (dist/**/*.d.ts) is a section of docs/protocol.md', () => {
    const bad: string[] = [];
    let count = 0;
    for (const file of declarations) {
      for (const { section, line } of citations(readFileSync(path.join(root, file), 'utf8'))) {
        count++;
        if (!known.has(section)) bad.push(`${file}:${line} §${section}`);
      }
    }
    expect(count, 'citations found').toBeGreaterThan(10);
    expect(bad).toEqual([]);
  });

  it('the package ships docs/protocol.md, which its declarations cite', () => {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { files: string[] };
    expect(pkg.files).toContain('docs/protocol.md');
  });

  it('every *.md named in the sources and docs exists (no path outside the repository)', () => {
    const bad: string[] = [];
    for (const file of prose) {
      const text = readFileSync(path.join(root, file), 'utf8');
      text.split('\n').forEach((line, i) => {
        const where = `${file}:${i + 1}`;
        if (/\/work\/|\.\.\/shared\//.test(line)) bad.push(`${where}: a path outside the repository`);
        for (const [name] of line.matchAll(/[\w./-]*\b[\w-]+\.md\b/g)) {
          if (/^https?:|\/\//.test(name)) continue;
          const clean = name.replace(/^\.\//, '');
          const candidates = [path.join(path.dirname(file), clean), clean, path.join('docs', clean)];
          if (!candidates.some((c) => existsSync(path.join(root, c)))) bad.push(`${where}: ${name} is not in the repository`);
        }
      });
    }
    expect(bad).toEqual([]);
  });
});
