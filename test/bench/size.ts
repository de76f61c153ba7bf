// Size in the benchmark report: the JavaScript the three pages of e2e/size download (gzip as
// served, Chromium), the same measure as `npm run size` (e2e/size/measure.mjs says how). Needs
// `npm run build` and /usr/bin/chromium.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './common.js';

export interface SizeRow {
  page: string;
  label: string;
  /** Encoded bytes of every .js the page fetched. */
  bytes: number;
  files: number;
  /** The target for this page, in bytes. */
  target: number;
}

export async function measureSizes(): Promise<SizeRow[]> {
  const { measurePages } = (await import(pathToFileURL(path.join(ROOT, 'e2e/size/measure.mjs')).href)) as {
    measurePages(): Promise<Array<{ name: string; label: string; bytes: number; files: unknown[]; target: number }>>;
  };
  const pages = await measurePages();
  return pages.map((p) => ({ page: p.name, label: p.label, bytes: p.bytes, files: p.files.length, target: p.target }));
}
