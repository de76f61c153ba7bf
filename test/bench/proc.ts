// Child processes driven over IPC: fork, wait for the hello, request/reply with a time bound,
// keep the tail of their output for error reports, and end them by pid only.
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { BENCH_DIR, ROOT, withTimeout, type HostHello, type HostReply, type HostRequest } from './common.js';

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

  /** Forks a TypeScript file of this folder under tsx and waits for its hello message. */
  static async start(name: string, file: string, args: string[], execArgv: string[] = [], env: Record<string, string> = {}, helloMs = 30_000): Promise<Child> {
    const proc = fork(path.join(BENCH_DIR, file), args, {
      cwd: ROOT,
      execArgv: ['--import', 'tsx', '--expose-gc', ...execArgv],
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
