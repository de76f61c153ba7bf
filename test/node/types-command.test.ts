/**
 * `iii-isomorphic types` (cli/types.ts) against the reference engine: it reads the functions with
 * their formats and prints a declaration that types `trigger()`, which the compiler then checks
 * against calls a user would write; the address is printed masked; failures say what failed.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as v from 'valibot';
import { afterEach, describe, expect, it } from 'vitest';
import { run, parseArgs } from '../../cli/types.js';
import { RegisterFunctionFormat as F } from '../../platform/node/index.js';
import { externalEngine } from '../external-engine.js';
import { cleanup, engine, registered, within, worker } from './helpers.js';

afterEach(cleanup);

const root = path.resolve(import.meta.dirname, '../..');

async function types(argv: string[]): Promise<{ out: string; err: string }> {
  let out = '';
  let err = '';
  await run(argv, { out: { write: (t: string) => (out += t) }, err: { write: (t: string) => (err += t) }, env: {} });
  return { out, err };
}

async function engineWithFunctions() {
  const e = await engine();
  const w = worker(e.url);
  w.registerFunction('gen::add', (d) => ({ sum: d.a + d.b }), {
    description: 'Adds two numbers',
    request_format: v.object({ a: v.number(), b: v.number() }),
    response_format: F.object({ sum: F.number() }, { required: ['sum'] }),
  });
  w.registerFunction('gen::tags', () => null, { request_format: F.object({ tags: F.array(F.string()), meta: F.map(F.integer()) }) });
  w.registerFunction('gen::plain', () => 1);
  w.registerFunction('gen::hidden', () => 1, { metadata: { internal: true } });
  const other = worker(e.url, { namespace: 'other' });
  other.registerFunction('gen::add', () => 0, { request_format: { type: 'string' } });
  await within(Promise.all([w.ready(), other.ready()]), 5000);
  await registered(w, 'gen::hidden');
  return e;
}

describe('iii-isomorphic types', () => {
  it('prints one registry entry per function with the types of its formats; stdout holds only the file', async () => {
    const e = await engineWithFunctions();
    const { out, err } = await types(['--url', `${e.url}/?token=s3cret`, '--prefix', 'gen::']);
    expect(out).toContain("declare module 'iii-isomorphic' {");
    expect(out).toContain('  interface IIIFunctions {');
    expect(out.replace(/\s+/g, ' ')).toContain(
      '/** Adds two numbers (worker ' ,
    );
    expect(out.replace(/\s+/g, ' ')).toContain('"gen::add": { input: { a: number; b: number; }; output: { sum: number; }; };');
    // Properties come in the engine's order: the reference engine keeps the author's, the real
    // engine sorts object keys (docs/real-engine.md, divergence 5).
    const tags = ['tags?: string[];', 'meta?: { [key: string]: number };'];
    if (externalEngine) tags.reverse();
    expect(out.replace(/\s+/g, ' ')).toContain(`"gen::tags": { input: { ${tags.join(' ')} }; output: unknown; };`);
    expect(out.replace(/\s+/g, ' ')).toContain('"gen::plain": { input: unknown; output: unknown; };');
    expect(out).not.toContain('gen::hidden'); // internal, unless --include-internal
    expect(out).not.toContain('engine::'); // the SDK types the built-ins already
    expect(out).not.toContain('s3cret');
    expect(out).toContain('?token=***');
    expect(err).toMatch(/^iii-isomorphic types: 3 functions from ws:\/\/127\.0\.0\.1:\d+\/\?token=\*\*\*\n$/);
    const internal = await types(['--url', e.url, '--prefix', 'gen::', '--include-internal', '--namespace', 'other']);
    expect(internal.out).toContain('"gen::hidden"');
    // --namespace: the `other` registration of gen::add wins.
    expect(internal.out.replace(/\s+/g, ' ')).toContain('"gen::add": { input: string; output: unknown; };');
  });

  it('the declaration it prints makes trigger() check payloads and infer results (compiled)', async () => {
    const e = await engineWithFunctions();
    const { out } = await types(['--url', e.url, '--prefix', 'gen::']);
    const dir = path.join(root, '.tmp/types-command');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'iii-functions.d.ts'), out);
    writeFileSync(
      path.join(dir, 'use.ts'),
      [
        "import { registerWorker } from 'iii-isomorphic';",
        'const iii = registerWorker();',
        'export async function use(): Promise<number> {',
        "  const { sum } = await iii.trigger({ function_id: 'gen::add', payload: { a: 1, b: 2 } });",
        '  // @ts-expect-error b must be a number',
        "  await iii.trigger({ function_id: 'gen::add', payload: { a: 1, b: '2' } });",
        '  // @ts-expect-error a misspelt key is an error (no index signature without additionalProperties)',
        "  await iii.trigger({ function_id: 'gen::tags', payload: { tgs: [] } });",
        "  const plain = await iii.trigger({ function_id: 'gen::plain', payload: 1 });",
        '  // @ts-expect-error no response format: unknown',
        '  void plain.x;',
        '  return sum;',
        '}',
        '',
      ].join('\n'),
    );
    const config = {
      compilerOptions: { strict: true, exactOptionalPropertyTypes: true, noEmit: true, skipLibCheck: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', types: ['node'] },
      files: ['iii-functions.d.ts', 'use.ts'],
    };
    writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify(config));
    expect(existsSync(path.join(root, 'dist/node/index.d.ts')), 'needs `npm run build`').toBe(true);
    const result = await new Promise<{ code: number; output: string }>((resolve) =>
      execFile(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', dir], { timeout: 120_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? 1 : 0, output: stdout + stderr }),
      ),
    );
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  }, 150_000);

  it('an engine that does not answer fails within the timeout, naming the masked address', async () => {
    const started = Date.now();
    const failure = await types(['--url', 'ws://127.0.0.1:9/?token=s3cret', '--timeout', '3000']).catch((e: Error) => e);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toMatch(/^could not read the functions of ws:\/\/127\.0\.0\.1:9\/\?token=\*\*\*: /);
    expect((failure as Error).message).not.toContain('s3cret');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('bad arguments say which and print the usage', () => {
    expect(() => parseArgs(['--url'])).toThrow(/--url needs a value[\s\S]*Usage: iii-isomorphic types/);
    expect(() => parseArgs(['--timeout', 'soon'])).toThrow(/--timeout must be a positive number of milliseconds, got "soon"/);
    expect(() => parseArgs(['--header', 'no-colon'])).toThrow(/--header must read "Name: value"/);
    expect(() => parseArgs(['--nope'])).toThrow(/unknown option "--nope"/);
    expect(parseArgs(['--header', 'Authorization: Bearer x', '--url=ws://h:1'])).toMatchObject({ url: 'ws://h:1', headers: { authorization: 'Bearer x' } });
  });
});
