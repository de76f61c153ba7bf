// The reference engine CLI (`npm run engine -- --port N [--config file.json]`): ready line,
// config file, clean exit on SIGINT/SIGTERM. Run through tsx directly so the signal reaches it.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { connectWorker, withTimeout } from './raw-client';

const children: ChildProcess[] = [];
const dirs: string[] = [];

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const TSX = join(ROOT, 'node_modules/tsx/dist/cli.mjs');
const CLI = join(ROOT, 'test/engine/cli.ts');

const READY = /^iii reference engine listening on (ws:\/\/127\.0\.0\.1:(\d+))$/;

/** Start the CLI and resolve once `lines` ready lines were printed. */
function startCli(args: string[], lines = 1): Promise<{ child: ChildProcess; urls: string[] }> {
  const child = spawn(process.execPath, [TSX, CLI, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return withTimeout(
    new Promise((resolve, reject) => {
      const urls: string[] = [];
      let buf = '';
      child.stdout!.on('data', (d: Buffer) => {
        buf += d.toString();
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i).trim();
          buf = buf.slice(i + 1);
          const m = READY.exec(line);
          if (m) urls.push(m[1]!);
          if (urls.length === lines) resolve({ child, urls });
        }
      });
      child.on('exit', (code) => reject(new Error(`CLI exited early with ${code}`)));
    }),
    10000,
    'the CLI ready line',
  );
}

function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return withTimeout(new Promise((resolve) => child.once('exit', (code) => resolve(code))), 5000, 'the CLI to exit');
}

describe('engine CLI', () => {
  it('prints the ready line with the listening port and serves workers', async () => {
    const { child, urls } = await startCli(['--port', '0']);
    const port = Number(READY.exec(`iii reference engine listening on ${urls[0]}`)![2]);
    expect(port).toBeGreaterThan(0);
    const w = await connectWorker(urls[0]!);
    expect(w.workerId).toMatch(/^[0-9a-f-]{36}$/);
    // a live worker connection does not keep the engine from exiting
    child.kill('SIGTERM');
    expect(await exitOf(child)).toBe(0);
    await w.waitClose(3000);
  }, 15000);

  it('exits cleanly (code 0) on SIGINT', async () => {
    const { child } = await startCli(['--port', '0']);
    child.kill('SIGINT');
    expect(await exitOf(child)).toBe(0);
  }, 15000);

  it('reads listeners from --config and prints one ready line per listener', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iii-cli-'));
    dirs.push(dir);
    const file = join(dir, 'engine.json');
    writeFileSync(file, JSON.stringify({ listeners: [{ port: 0, host: '127.0.0.1' }, { port: 0, host: '127.0.0.1' }] }));
    const { child, urls } = await startCli(['--port', '0', '--config', file], 2);
    expect(urls).toHaveLength(2);
    expect(urls[0]).not.toBe(urls[1]);
    const a = await connectWorker(urls[1]!);
    a.terminate();
    child.kill('SIGTERM');
    expect(await exitOf(child)).toBe(0);
  }, 15000);
});
