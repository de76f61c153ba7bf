// The package binary (`iii-isomorphic <command>`, cli/main.ts) and its `engine` command: ready
// lines, the config file and its errors, clean exit on SIGINT/SIGTERM. Run through
// `node --import tsx` so that the signals reach the engine process itself.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { RBAC_CONFIG } from '../../../demo/engine';
import { startEngine, validateEngineOptions, type EngineOptions } from '../index';
import { connectWorker, withTimeout } from './raw-client';

const children: ChildProcess[] = [];
const dirs: string[] = [];

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const READY = /^iii reference engine listening on (ws:\/\/127\.0\.0\.1:(\d+))$/;

function cli(args: string[]): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return child;
}

/** Start `engine` and resolve once `lines` ready lines were printed. */
function startEngineCli(args: string[], lines = 1): Promise<{ child: ChildProcess; urls: string[] }> {
  const child = cli(['engine', ...args]);
  return withTimeout(
    new Promise((resolve, reject) => {
      const urls: string[] = [];
      let buf = '';
      let err = '';
      child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      child.stdout!.on('data', (d: Buffer) => {
        buf += d.toString();
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          const m = READY.exec(buf.slice(0, i).trim());
          buf = buf.slice(i + 1);
          if (m) urls.push(m[1]!);
          if (urls.length === lines) resolve({ child, urls });
        }
      });
      child.on('exit', (code) => reject(new Error(`the CLI exited early with ${code}: ${err}`)));
    }),
    20000,
    'the CLI ready line',
  );
}

/** Run the CLI to its end: exit code, stdout and stderr. */
function runToEnd(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const child = cli(args);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return withTimeout(new Promise((resolve) => child.once('exit', (code) => resolve({ code, out, err }))), 20000, 'the CLI to exit');
}

function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return withTimeout(new Promise((resolve) => child.once('exit', (code) => resolve(code))), 10000, 'the CLI to exit');
}

function configFile(content: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'iii-cli-'));
  dirs.push(dir);
  const file = join(dir, 'engine.json');
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

describe('iii-isomorphic engine', () => {
  it('prints the ready line with the listening port and serves workers', async () => {
    const { child, urls } = await startEngineCli(['--port', '0']);
    expect(Number(READY.exec(`iii reference engine listening on ${urls[0]}`)![2])).toBeGreaterThan(0);
    const w = await connectWorker(urls[0]!);
    expect(w.workerId).toMatch(/^[0-9a-f-]{36}$/);
    // a live worker connection does not keep the engine from exiting
    child.kill('SIGTERM');
    expect(await exitOf(child)).toBe(0);
    await w.waitClose(5000);
  }, 30000);

  it('exits cleanly (code 0) on SIGINT', async () => {
    const { child } = await startEngineCli(['--port=0']);
    child.kill('SIGINT');
    expect(await exitOf(child)).toBe(0);
  }, 30000);

  it('reads listeners from --config and prints one ready line per listener', async () => {
    const file = configFile({ listeners: [{ port: 0 }, { port: 0, rbac: { auth_function_id: 'x::auth', expose_functions: ['match("x::*")'] } }] });
    const { child, urls } = await startEngineCli(['--port', '0', '--config', file], 2);
    expect(urls).toHaveLength(2);
    expect(urls[0]).not.toBe(urls[1]);
    const a = await connectWorker(urls[0]!);
    a.terminate();
    child.kill('SIGTERM');
    expect(await exitOf(child)).toBe(0);
  }, 30000);

  it('refuses a config file with a misspelled key, naming its path and the known keys', async () => {
    const file = configFile({ listeners: [{ port: 0, rbac: { expose_function: [] } }] });
    const r = await runToEnd(['engine', '--config', file]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`--config ${file}: listeners[0].rbac.expose_function is not an option of rbac; known: auth_function_id,`);
    expect(r.out).toBe('');
  }, 30000);

  it('refuses a config file that is not JSON, and one that cannot be read', async () => {
    const bad = await runToEnd(['engine', '--config', configFile('{"port": 1,}')]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/not valid JSON/);
    const missing = await runToEnd(['engine', '--config', join(tmpdir(), 'no-such-iii-config.json')]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/cannot read it \(ENOENT\)/);
  }, 30000);

  it('says which port is taken when it cannot listen', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const r = await runToEnd(['engine', '--port', String(port)]);
      expect(r.code).toBe(1);
      expect(r.err).toContain(`127.0.0.1:${port} is in use (EADDRINUSE)`);
    } finally {
      server.close();
    }
  }, 30000);

  it('rejects a bad --port and unknown options with the usage', async () => {
    const r = await runToEnd(['engine', '--port', 'abc']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('--port must be an integer 0–65535, got "abc"');
    const u = await runToEnd(['engine', '--prot', '1']);
    expect(u.code).toBe(1);
    expect(u.err).toContain('unknown option "--prot"');
    expect(u.err).toContain('Usage: iii-isomorphic engine');
  }, 30000);
});

describe('iii-isomorphic (dispatcher)', () => {
  it('prints the commands without arguments and with --help', async () => {
    for (const args of [[], ['--help']]) {
      const r = await runToEnd(args);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/^Usage: iii-isomorphic <command>/);
      expect(r.out).toMatch(/\n {2}engine +start the reference iii engine/);
    }
  }, 30000);

  it('refuses an unknown command with exit code 2 and the usage', async () => {
    const r = await runToEnd(['enigne']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('unknown command "enigne"');
    expect(r.err).toContain('Usage: iii-isomorphic <command>');
  }, 30000);

  it('prints the engine command usage for `engine --help`', async () => {
    const r = await runToEnd(['engine', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Usage: iii-isomorphic engine \[--port N\]/);
  }, 30000);
});

describe('the config file documented in docs/testing.md (examples/testing/engine.json)', () => {
  it('is the RBAC listener of the demo, passes the check, and starts two listeners', async () => {
    const options = validateEngineOptions(JSON.parse(readFileSync(join(ROOT, 'examples/testing/engine.json'), 'utf8')), 'engine.json', { allowLog: false });
    expect(options.listeners?.[1]?.rbac).toEqual(RBAC_CONFIG);
    const onFreePorts: EngineOptions = { ...options, listeners: options.listeners!.map((l) => ({ ...l, port: 0 })) };
    const engine = await startEngine(onFreePorts);
    try {
      expect(engine.listeners.map((l) => l.rbac)).toEqual([false, true]);
      (await connectWorker(engine.url)).terminate();
    } finally {
      await engine.close();
    }
  });
});
