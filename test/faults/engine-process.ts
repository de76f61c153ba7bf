/**
 * The reference engine as a real process (the package binary's `engine` command, cli/main.ts), so fault tests can kill it with
 * SIGKILL and start it again on the same port: the workers see what they see when a production
 * engine dies (no Close frame, connections reset) and comes back.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { EngineOptions } from '../engine/index.js';

export const repoRoot = path.resolve(import.meta.dirname, '../..');

/** A port that was free a moment ago (bound on 127.0.0.1, then released). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** JSON-serialisable engine options (no `log` function): what the CLI's `--config` takes. */
export type EngineConfig = Omit<EngineOptions, 'log'>;

export class EngineProcess {
  readonly port: number;
  readonly url: string;
  /** Every listener's URL, first listener first, as printed by the CLI. */
  listeners: string[] = [];
  #child: ChildProcess | undefined;
  readonly #configFile: string | undefined;
  readonly #listenerCount: number;
  /** Times the engine was killed. */
  kills = 0;

  private constructor(port: number, config?: EngineConfig) {
    this.port = port;
    this.url = `ws://127.0.0.1:${port}`;
    this.#listenerCount = config?.listeners?.length || 1;
    if (config) {
      const dir = mkdtempSync(path.join(tmpdir(), 'iii-faults-'));
      this.#configFile = path.join(dir, 'engine.json');
      writeFileSync(this.#configFile, JSON.stringify(config));
    }
  }

  /** Starts an engine process on `port` (a free one when omitted); resolves when it listens. */
  static async start(options: { port?: number; config?: EngineConfig; startMs?: number } = {}): Promise<EngineProcess> {
    const engine = new EngineProcess(options.port ?? (await freePort()), options.config);
    await engine.start(options.startMs);
    return engine;
  }

  get running(): boolean {
    return this.#child !== undefined;
  }

  /** (Re)starts the process on the same port; the kernel may hold the port briefly, so it retries. */
  async start(startMs = 20_000): Promise<void> {
    if (this.#child) return;
    const deadline = Date.now() + startMs;
    for (;;) {
      try {
        await this.#spawnOnce(Math.max(1000, deadline - Date.now()));
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  #spawnOnce(ms: number): Promise<void> {
    const args = ['--import', 'tsx', path.join(repoRoot, 'cli/main.ts'), 'engine', '--port', String(this.port)];
    if (this.#configFile) args.push('--config', this.#configFile);
    const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    return new Promise<void>((resolve, reject) => {
      let out = '';
      let err = '';
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`engine process did not listen within ${ms} ms: ${err.trim()}`));
      }, ms);
      child.stdout!.setEncoding('utf8');
      child.stderr!.setEncoding('utf8');
      child.stderr!.on('data', (d: string) => (err += d));
      child.stdout!.on('data', (d: string) => {
        out += d;
        const lines = out.split('\n').filter((l) => l.startsWith('iii reference engine listening on '));
        if (lines.length >= this.#listenerCount && out.endsWith('\n')) {
          clearTimeout(timer);
          this.listeners = lines.map((l) => l.slice('iii reference engine listening on '.length).trim());
          this.#child = child;
          child.once('exit', () => {
            if (this.#child === child) this.#child = undefined;
          });
          resolve();
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        if (this.#child !== child) reject(new Error(`engine process exited (code ${code}, signal ${signal}) before listening: ${err.trim()}`));
      });
    });
  }

  /** SIGKILL: no Close frame, no cleanup; resolves once the process is gone. */
  async kill(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#child = undefined;
    this.kills++;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.start();
  }

  /** Kills the process; idempotent. */
  close(): Promise<void> {
    return this.kill();
  }
}
