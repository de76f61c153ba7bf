// Child processes driven over IPC: fork, wait for the hello, request/reply with a time bound,
// keep the tail of their output for error reports, and end them by pid only.
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { BENCH_DIR, CLIENT_KINDS, ROOT, isOurs, oursNodeEntry, withTimeout, type ClientKind, type HostHello, type HostReply, type HostRequest } from './common.js';

/**
 * The client processes (host.ts, mem-pending.ts) run as plain JavaScript under `node`, the way an
 * application runs a built SDK: under tsx every module a process loads, `dist/` and `iii-sdk`
 * included, keeps tsx's transform state on the heap (a process holding this SDK's build had
 * 23 MiB of heap after gc under tsx, 6.6 MiB under node), which changes the GC work a channel's
 * 64 KiB buffers cause and so the CPU per MB of every client alike (docs/benchmarks.md,
 * "Channels"). The bench's own files are bundled once per run with esbuild; packages stay
 * external and resolve from the repository's node_modules. Only a client that runs this SDK from
 * its TypeScript sources (no `dist/`) keeps tsx, and so does every client with env
 * `BENCH_HOSTS_TSX=1` (how the harness ran before: for A/B runs of the harness itself).
 */
const CLIENT_HOSTS = new Set(['host.ts', 'mem-pending.ts']);
const compiled = new Map<string, Promise<string>>();

function compileHost(file: string): Promise<string> {
  let out = compiled.get(file);
  if (!out) {
    const outfile = path.join(ROOT, '.tmp', 'bench-hosts', file.replace(/\.ts$/, '.mjs'));
    out = build({
      entryPoints: [path.join(BENCH_DIR, file)],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      logLevel: 'error',
      // common.ts finds the repository from its own URL: keep that the source file's.
      define: { 'import.meta.url': JSON.stringify(pathToFileURL(path.join(BENCH_DIR, 'common.ts')).href) },
    }).then(() => outfile);
    compiled.set(file, out);
  }
  return out;
}

/** How to start `file` with `args`: the compiled host under plain node when nothing needs tsx. */
async function launch(file: string, args: string[]): Promise<{ script: string; loader: string[] }> {
  const kind = args[0] as ClientKind;
  const needsTsx = process.env.BENCH_HOSTS_TSX === '1' || !CLIENT_HOSTS.has(file) || !CLIENT_KINDS.includes(kind) || (isOurs(kind) && !oursNodeEntry(kind).built);
  if (needsTsx) return { script: path.join(BENCH_DIR, file), loader: ['--import', 'tsx'] };
  return { script: await compileHost(file), loader: [] };
}

const TAIL_BYTES = 16 * 1024;

export class Child {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private tail = '';
  /** Lines the child wrote to stderr (the official SDK logs connection failures there). */
  stderrLines = 0;
  exited = false;
  detail: string | undefined;

  private constructor(
    readonly name: string,
    readonly proc: ChildProcess,
  ) {
    const keep = (chunk: Buffer): void => {
      this.tail = (this.tail + chunk.toString()).slice(-TAIL_BYTES);
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', (chunk: Buffer) => {
      keep(chunk);
      for (const b of chunk) if (b === 10) this.stderrLines++;
    });
    proc.on('message', (msg: HostReply) => {
      if (typeof msg !== 'object' || msg === null || !('id' in msg)) return;
      const w = this.waiting.get(msg.id);
      if (!w) return;
      this.waiting.delete(msg.id);
      if (msg.ok) w.resolve(msg.value);
      else w.reject(new Error(`${this.name}: ${msg.error}`));
    });
    proc.on('exit', (code, signal) => {
      this.exited = true;
      for (const w of this.waiting.values()) w.reject(new Error(`${this.name} exited (${code ?? signal})\n${this.tail}`));
      this.waiting.clear();
    });
  }

  /** Forks a file of this folder (see `launch`) and waits for its hello message. */
  static async start(name: string, file: string, args: string[], execArgv: string[] = [], env: Record<string, string> = {}, helloMs = 30_000): Promise<Child> {
    const { script, loader } = await launch(file, args);
    const proc = fork(script, args, {
      cwd: ROOT,
      execArgv: [...loader, '--expose-gc', ...execArgv],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: { ...process.env, ...env, III_BENCH_CHILD: '1' },
    });
    const child = new Child(name, proc);
    const hello = await withTimeout(
      new Promise<HostHello>((resolve, reject) => {
        proc.once('message', (m: HostHello) => resolve(m));
        proc.once('exit', (code) => reject(new Error(`${name} exited (${code}) before its hello\n${child.tail}`)));
      }),
      helloMs,
      `${name} hello`,
    ).catch((e: Error) => {
      child.kill();
      throw new Error(`${e.message}\n${child.tail}`);
    });
    if (!hello.ready) {
      child.kill();
      throw new Error(`${name} failed to start: ${hello.error}\n${child.tail}`);
    }
    child.detail = hello.detail;
    return child;
  }

  request<T>(req: HostRequest, ms: number): Promise<T> {
    if (this.exited) return Promise.reject(new Error(`${this.name} has exited\n${this.tail}`));
    const id = this.nextId++;
    const p = new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
    });
    this.proc.send({ id, req });
    return withTimeout(p, ms, `${this.name} ${req.op}`);
  }

  outputTail(): string {
    return this.tail;
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    await this.request({ op: 'stop' }, 5000).catch(() => undefined);
    const gone = new Promise<void>((r) => (this.exited ? r() : this.proc.once('exit', () => r())));
    await withTimeout(gone, 3000, `${this.name} exit`).catch(() => this.kill());
  }

  kill(): void {
    if (this.exited || this.proc.pid === undefined) return;
    try {
      process.kill(this.proc.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
