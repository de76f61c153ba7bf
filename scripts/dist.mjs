#!/usr/bin/env node
// Whether a dist/ is what the package needs: every file package.json points at (`exports`,
// `main`, `module`, `types`, `bin`), every file those import by a relative path, and nothing
// older than the sources it is built from. A partial build (`III_BUILD_ENTRIES=browser`, or the
// demo's, which builds the browser and workers entries) leaves a dist/ that fails this.
//
//   node scripts/dist.mjs ensure       build (`npm run build`) unless dist/ is complete and fresh;
//                                      package.json `prepare` and `prepack` run it, so that a git or
//                                      path install and `npm pack` always ship the whole package
//   node scripts/dist.mjs check DIR    exit 1 naming each missing file of the package in DIR
//                                      (an unpacked tarball: e2e/run-pack.mjs)
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Every file path (relative, `./`-less) that package.json names. */
export function entryFiles(pkg) {
  const files = new Set();
  const visit = (value) => {
    if (typeof value === 'string') {
      if (value.startsWith('./dist/') || value.startsWith('dist/')) files.add(value.replace(/^\.\//, ''));
    } else if (value && typeof value === 'object') Object.values(value).forEach(visit);
  };
  visit([pkg.main, pkg.module, pkg.types, pkg.bin, pkg.exports]);
  return [...files].sort();
}

/** Relative imports of a built file: `from './x.js'`, `import('./x.js')`, `require('./x.js')`. */
function relativeImports(text) {
  return [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1]);
}

/**
 * The files of the package in `dir` (a checkout or an unpacked tarball) that are missing: the
 * entries, and whatever they import, followed to the end. A declaration's `./x.js` is `./x.d.ts`.
 */
export function missingFiles(dir) {
  const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const missing = [];
  const seen = new Set();
  const queue = entryFiles(pkg).map((file) => ({ file, from: 'package.json' }));
  while (queue.length) {
    const { file, from } = queue.shift();
    if (seen.has(file)) continue;
    seen.add(file);
    const full = path.join(dir, file);
    if (!existsSync(full)) {
      missing.push(`${file} (named by ${from})`);
      continue;
    }
    const isDeclaration = /\.d\.c?ts$/.test(file);
    for (const spec of relativeImports(readFileSync(full, 'utf8'))) {
      let target = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
      if (isDeclaration) target = target.replace(/\.js$/, '.d.ts').replace(/\.cjs$/, '.d.cts');
      queue.push({ file: target, from: file });
    }
  }
  return missing;
}

function newest(dir, skip) {
  let at = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (skip.includes(p)) continue;
    at = Math.max(at, entry.isDirectory() ? newest(p, skip) : statSync(p).mtimeMs);
  }
  return at;
}

/** Newest change to what dist/ is built from (test/engine's own tests excepted). */
export function sourcesChangedAt(root = repo) {
  const skip = [path.join(root, 'test/engine/tests')];
  return Math.max(
    ...['src', 'platform', 'cli', 'test/engine', 'rollup.config.mjs', 'tsconfig.json', 'package.json'].map((p) => {
      const full = path.join(root, p);
      if (!existsSync(full)) return 0;
      return statSync(full).isDirectory() ? newest(full, skip) : statSync(full).mtimeMs;
    }),
  );
}

/** Why dist/ of `root` must be built, or `undefined` when it is complete and newer than its sources. */
export function whyBuild(root = repo) {
  const missing = missingFiles(root);
  if (missing.length) return `dist/ is incomplete (${missing.length} missing, e.g. ${missing[0]})`;
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  // The oldest entry counts: a partial build refreshes some entries and leaves the others behind.
  const builtAt = Math.min(...entryFiles(pkg).map((f) => statSync(path.join(root, f)).mtimeMs));
  return builtAt < sourcesChangedAt(root) ? 'dist/ is older than its sources' : undefined;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [command, dir] = process.argv.slice(2);
  if (command === 'ensure') {
    const why = whyBuild();
    if (!why) {
      console.error('dist/ is complete and up to date');
    } else {
      console.error(`${why}: building it (npm run build)`);
      if (!existsSync(path.join(repo, 'node_modules/.bin/rollup'))) {
        console.error('the build needs the development dependencies: run `npm ci` (or `npm install`) in this directory first');
        process.exit(1);
      }
      const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: repo, stdio: 'inherit' });
      if (build.status !== 0) process.exit(build.status ?? 1);
      const left = missingFiles(repo);
      if (left.length) {
        console.error(`the build left dist/ incomplete:\n  ${left.join('\n  ')}`);
        process.exit(1);
      }
    }
  } else if (command === 'check' && dir) {
    const missing = missingFiles(path.resolve(dir));
    if (missing.length) {
      console.error(`missing from ${dir}:\n  ${missing.join('\n  ')}`);
      process.exit(1);
    }
    console.error(`${dir}: every file the package names is there`);
  } else {
    console.error('usage: node scripts/dist.mjs ensure | check DIR');
    process.exit(2);
  }
}
