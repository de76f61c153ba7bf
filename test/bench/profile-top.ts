// Summarises V8 CPU profiles written by `npm run bench -- --profile` (.tmp/bench-prof):
// self time per function (name, file:line) and per file, largest first.
//
//   npx tsx test/bench/profile-top.ts [.tmp/bench-prof/CPU....cpuprofile ...] [--top 30]
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './common.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function shortUrl(url: string): string {
  const u = url.replace(/^file:\/\//, '');
  return u.startsWith(ROOT) ? path.relative(ROOT, u) : u || '(native)';
}

function summarise(file: string, top: number): void {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  let total = 0;
  p.samples.forEach((id, i) => {
    const dt = p.timeDeltas[i] ?? 0;
    self.set(id, (self.get(id) ?? 0) + dt);
    total += dt;
  });
  const byFn = new Map<string, number>();
  const byFile = new Map<string, number>();
  for (const [id, t] of self) {
    const cf = byId.get(id)!.callFrame;
    const where = `${shortUrl(cf.url)}:${cf.lineNumber + 1}`;
    const key = `${cf.functionName || '(anonymous)'}  ${where}`;
    byFn.set(key, (byFn.get(key) ?? 0) + t);
    if (cf.functionName === '(idle)' || cf.functionName === '(program)') continue;
    const f = shortUrl(cf.url).replace(/^node_modules\/([^/]+)\/.*/, 'node_modules/$1');
    byFile.set(f, (byFile.get(f) ?? 0) + t);
  }
  const idle = [...byFn].filter(([k]) => k.startsWith('(idle)') || k.startsWith('(program)')).reduce((a, [, t]) => a + t, 0);
  const busy = total - idle;
  console.log(`\n== ${path.basename(file)}: ${(total / 1000).toFixed(0)} ms sampled, ${(busy / 1000).toFixed(0)} ms not idle`);
  console.log('-- by file (self, % of non-idle)');
  for (const [f, t] of [...byFile].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`  ${((t / busy) * 100).toFixed(1).padStart(5)}%  ${f}`);
  console.log('-- by function (self, % of non-idle)');
  for (const [k, t] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${((t / busy) * 100).toFixed(1).padStart(5)}%  ${k}`);
}

const args = process.argv.slice(2);
const topIdx = args.indexOf('--top');
const top = topIdx >= 0 ? Number(args.splice(topIdx, 2)[1]) : 30;
const dir = path.join(ROOT, '.tmp', 'bench-prof');
const files = args.length ? args : readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => path.join(dir, f));
for (const f of files) summarise(f, top);
