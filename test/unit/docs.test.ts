/**
 * The README is a map (about 12 KB, a table of contents of its own sections, a link from each
 * task to its page in docs/); every relative link of the README, docs/ and the top-level pages
 * reaches a file, and its `#anchor` a heading there; docs/errors.md names every `ErrorCode`;
 * docs/troubleshooting.md answers what users hit first; the API reference (typedoc) shows the
 * public API in six groups and leaves the internals out.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');
/** What the package exports but the API reference leaves out: wire frames, the platform seam, type plumbing. */
const INTERNAL = /Frame$|^(MessageType|InboundFrame|OutboundFrame|Platform|RuntimeInfo|Transport\w*|WebSocketLike|ClientDeps|Call(Output|Request|Result)|CallerInput|HandlerInput|KnownFunctionId)$/;

/** Names a module re-exports (`export { a, type B, c as d }`). */
function exportedNames(text: string): string[] {
  return [...text.matchAll(/export (?:type )?\{([^}]*)\}/g)].flatMap((m) =>
    m[1]!.split(',').map((item) => item.trim().replace(/^type /, '').split(/\s+as\s+/).pop()!).filter(Boolean),
  );
}

const pages = ['README.md', 'ARCHITECTURE.md', 'CHANGELOG.md', ...readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');

/** The anchors of a markdown file's headings (fenced code skipped). */
function anchors(file: string): Set<string> {
  const text = read(file).replace(/```[\s\S]*?```/g, '');
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1]!)));
}

describe('docs', () => {
  const readme = read('README.md');

  it('README is a map: at most about 12 KB', () => {
    expect(Buffer.byteLength(readme)).toBeLessThanOrEqual(12_500);
  });

  it("README's table of contents lists its sections, in order", () => {
    const sections = [...readme.matchAll(/^## (.+)$/gm)].map((m) => slug(m[1]!));
    const toc = [...readme.slice(0, readme.indexOf('\n## ')).matchAll(/^- \[[^\]]+\]\(#([^)]+)\)$/gm)].map((m) => m[1]);
    expect(toc).toEqual(sections);
  });

  it('each task section of the README links to its page in docs/', () => {
    const section = (title: string) => readme.slice(readme.indexOf(`## ${title}`)).split('\n## ')[0]!;
    const expected: Record<string, string> = {
      Install: 'docs/runtimes.md',
      'A Node worker': 'docs/guide.md',
      'A browser tab behind an RBAC listener': 'docs/auth.md',
      'An edge function': 'docs/runtimes.md',
      'Channels into a web UI': 'docs/channels.md',
      Errors: 'docs/troubleshooting.md',
      'Testing your workers': 'docs/testing.md',
    };
    for (const [title, page] of Object.entries(expected)) expect(section(title), title).toContain(`(${page}`);
  });

  it('every relative link reaches a file, and its #anchor a heading of that file', () => {
    const bad: string[] = [];
    for (const page of pages) {
      const text = read(page).replace(/```[\s\S]*?```/g, '');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue;
        const [file, anchor] = target!.split('#') as [string, string | undefined];
        const resolved = file ? path.posix.normalize(path.posix.join(path.posix.dirname(page), file)) : page;
        if (!existsSync(path.join(root, resolved))) {
          bad.push(`${page}: ${target} (no file ${resolved})`);
          continue;
        }
        if (anchor && resolved.endsWith('.md') && !anchors(resolved).has(anchor)) bad.push(`${page}: ${target} (no heading #${anchor})`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('docs/errors.md names every ErrorCode, by key and by value', () => {
    const errors = read('docs/errors.md');
    const missing = Object.entries(ErrorCode).filter(([key, value]) => !errors.includes(`\`${key}\``) || !errors.includes(`\`${value}\``));
    expect(missing).toEqual([]);
  });

  it('docs/troubleshooting.md answers what users hit first', () => {
    const headings = [...anchors('docs/troubleshooting.md')].join(' ');
    for (const topic of ['ready-never-resolves', 'timeout', 'payload_too_large', 'cross_request', 'browser-auth-refused']) expect(headings).toContain(topic);
  });

  it('the API reference has one module per group, each with an example, and no internals', () => {
    const entries = (JSON.parse(read('typedoc.json')) as { entryPoints: string[] }).entryPoints;
    expect(entries.map((e) => path.basename(e, '.ts'))).toEqual(['client', 'functions', 'triggers', 'channels', 'errors', 'testing']);
    for (const entry of entries) {
      const text = read(entry);
      expect(text, entry).toContain(`@module ${path.basename(entry, '.ts')}`);
      expect(text, entry).toMatch(/\{@includeCode \.\.\/\.\.\/\.\.\/examples\//);
      expect(exportedNames(text).filter((n) => INTERNAL.test(n)), entry).toEqual([]);
    }
  });

  it.runIf(existsSync(path.join(root, 'dist/index.d.ts')))('every export of the package is in the API reference, unless internal', () => {
    const referenced = new Set((JSON.parse(read('typedoc.json')) as { entryPoints: string[] }).entryPoints.flatMap((e) => exportedNames(read(e))));
    const missing = exportedNames(read('dist/index.d.ts')).filter((n) => !referenced.has(n) && !INTERNAL.test(n));
    expect(missing).toEqual([]);
  });
});
