/**
 * No import circle among the modules of src/, platform/ and test/engine/ (ARCHITECTURE.md
 * "Layers"): static, type-only and dynamic relative imports all count, since a reader follows
 * each of them. A failure names the modules of one circle, in import order.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function modules(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return name === 'tests' ? [] : modules(full);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts') ? [full] : [];
  });
}

const files = ['src', 'platform', 'test/engine'].flatMap((d) => modules(path.join(root, d)));
const known = new Set(files);

/** The modules `file` imports, by relative specifier (`./x.js` is `./x.ts` or `./x/index.ts`). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/\b(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1]!);
  return specs.flatMap((spec) => {
    const base = path.resolve(path.dirname(file), spec.replace(/\.js$/, ''));
    return [`${base}.ts`, path.join(base, 'index.ts')].filter((f) => known.has(f)).slice(0, 1);
  });
}

it('src/, platform/ and test/engine/ import no module that imports them back', () => {
  const graph = new Map(files.map((f) => [f, importsOf(f)]));
  const done = new Set<string>();
  const onPath: string[] = [];
  let circle: string[] | undefined;
  const visit = (file: string): void => {
    if (circle || done.has(file)) return;
    const at = onPath.indexOf(file);
    if (at >= 0) {
      circle = [...onPath.slice(at), file].map((f) => path.relative(root, f));
      return;
    }
    onPath.push(file);
    for (const next of graph.get(file)!) visit(next);
    onPath.pop();
    done.add(file);
  };
  for (const file of files) visit(file);
  expect(files.length).toBeGreaterThan(100);
  expect(circle, circle?.join(' → ')).toBeUndefined();
});
