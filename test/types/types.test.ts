/**
 * Type tests against the built declarations, resolved through package.json `exports` as a user's
 * project resolves them (the fixtures import 'iii-isomorphic', which is this package). Each
 * tsconfig here is one kind of project; every file must compile, and every `@ts-expect-error`
 * line must be an error (an unused one is itself an error, TS2578), so the fixtures hold both
 * what must type-check and what must not. All in strict mode with exactOptionalPropertyTypes;
 * `skipLibCheck: false` where the shipped .d.ts meets a lib it must compile against: Node types
 * without the DOM lib and without esnext.disposable, and the DOM lib without @types/node.
 * Needs `npm run build`.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
const projects = ['node', 'dom', 'browser'] as const;

function compile(project: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [tsc, '-p', path.join(root, `test/types/tsconfig.${project}.json`)], { cwd: root, timeout: 180_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: `${stdout}${stderr}` });
    });
  });
}

describe('the shipped declarations in a user project', () => {
  const built = existsSync(path.join(root, 'dist/index.d.ts'));
  // The three compilers run at once: each takes seconds, most of it in the libraries.
  const results = built ? Object.fromEntries(projects.map((p) => [p, compile(p)])) : {};
  for (const project of projects) {
    it.runIf(built)(`tsconfig.${project}.json compiles, every expected error included`, async () => {
      const { code, output } = await results[project]!;
      expect(output.trim(), output).toBe('');
      expect(code).toBe(0);
    }, 200_000);
  }
  it.skipIf(built)('needs `npm run build`', () => {
    throw new Error('dist/ is missing: run `npm run build` first');
  });
});
