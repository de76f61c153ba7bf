// docs/seed-mapping.md and docs/migration.md agree with the built declarations: every export
// they name in the column of this package is declared by dist/ (the portable dist/index.d.ts, or
// an entry's own for a platform factory), and every `iii.<member>` is a member of `III`.
// Needs `npm run build`.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const read = (rel: string) => readFileSync(path.join(root, rel), 'utf8');

/** The cells of column `column` (0-based) of every table row in `markdown` (after `from`). */
function column(markdown: string, column: number, from = ''): string[] {
  const start = from ? markdown.indexOf(from) : 0;
  if (start < 0) throw new Error(`section "${from}" not found`);
  const cells: string[] = [];
  for (const line of markdown.slice(start).split('\n')) {
    if (!line.startsWith('|') || /^\|[-| ]+\|$/.test(line)) continue;
    // `\|` inside a cell is an escaped pipe, not a column break.
    const row = line.slice(1, -1).split(/(?<!\\)\|/);
    if (row[column] !== undefined) cells.push(row[column]!.trim());
  }
  return cells.slice(1); // the header
}

const GLOBALS = new Set(['Promise', 'ReadableStream', 'WritableStream', 'TypeError', 'Error', 'AbortSignal', 'Uint8Array', 'Record', 'JSON', 'Symbol']);

/** Export names and `iii.` members a cell mentions in code spans. */
function mentioned(cells: string[]): { exports: Set<string>; members: Set<string> } {
  const exports = new Set<string>();
  const members = new Set<string>();
  for (const cell of cells) {
    for (const [, span] of cell.matchAll(/`([^`]+)`/g)) {
      const code = span!.replace(/^(await|new)\s+/, '');
      const member = /^iii\.(\w+)/.exec(code);
      if (member) {
        members.add(member[1]!);
        continue;
      }
      const name = /^([A-Za-z_$][\w$]*)/.exec(code)?.[1];
      if (!name || GLOBALS.has(name) || /^[A-Z0-9_]+$/.test(name)) continue; // codes like AUTH_ERROR
      // A capitalised name (class, type, constant) or a called one (`registerWorker(…)`).
      if (/^[A-Z]/.test(name) || code.slice(name.length).startsWith('(')) exports.add(name);
    }
  }
  return { exports, members };
}

function declared(): { exports: Set<string>; members: Set<string> } {
  const files = ['dist/index.d.ts', ...['node', 'browser', 'deno', 'workers', 'bun'].map((e) => `dist/${e}/index.d.ts`)];
  const exports = new Set<string>();
  for (const file of files) {
    for (const [, list] of read(file).matchAll(/export \{([^}]*)\}/g)) {
      for (const item of list!.split(',')) {
        const name = item.trim().split(/\s+as\s+/).pop();
        if (name) exports.add(name);
      }
    }
  }
  const chunk = readdirSync(path.join(root, 'dist/types')).map((f) => read(`dist/types/${f}`)).join('\n');
  const body = /declare class III(?:<[^{]*>)? \{([\s\S]*?)\n\}/.exec(chunk)?.[1] ?? '';
  const members = new Set([...body.matchAll(/^\s{4}(?:readonly |get |static )*(\w+)\s*[(<:?]/gm)].map((m) => m[1]!));
  return { exports, members };
}

describe('the docs name what dist/ declares', () => {
  const built = existsSync(path.join(root, 'dist/types'));
  const docs = [
    ['docs/seed-mapping.md', column(read('docs/seed-mapping.md'), 1)],
    ['docs/migration.md', column(read('docs/migration.md'), 1)],
  ] as const;
  for (const [name, cells] of docs) {
    it.runIf(built)(name, () => {
      const { exports, members } = declared();
      expect(members.size, 'III members found in dist/types').toBeGreaterThan(20);
      const named = mentioned(cells);
      expect(named.exports.size, 'names found').toBeGreaterThan(10);
      expect([...named.exports].filter((n) => !exports.has(n)), 'named but not exported').toEqual([]);
      expect([...named.members].filter((n) => !members.has(n)), 'iii.<member> not on III').toEqual([]);
    });
  }
});
