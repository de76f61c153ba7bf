/**
 * Bounded child processes for the fault suite (`node --import tsx <script>`): their stdout as
 * timestamped lines, a bounded wait for a line, SIGKILL. Every child started here is killed by
 * `killChildren()` (call it in `afterEach`/`afterAll`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './engine-process.js';

export interface Line {
  at: number;
  text: string;
}

export interface Child {
  readonly process: ChildProcess;
  readonly lines: Line[];
  /** stderr, kept for failure messages. */
  readonly stderr: () => string;
  /** The first line (at index >= `from`) matching `pattern`, or undefined after `ms`. */
  waitLine(pattern: RegExp, ms: number, from?: number): Promise<Line | undefined>;
  send(line: string): void;
  kill(signal?: NodeJS.Signals): Promise<void>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children = new Set<Child>();

export function spawnChild(script: string, args: string[], env: Record<string, string> = {}): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', path.resolve(repoRoot, script), ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: Line[] = [];
  const waiters = new Set<() => void>();
  let err = '';
  let buf = '';
  proc.stdout!.setEncoding('utf8');
  proc.stdout!.on('data', (d: string) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      lines.push({ at: Date.now(), text: buf.slice(0, i) });
      buf = buf.slice(i + 1);
    }
    for (const w of [...waiters]) w();
  });
  proc.stderr!.setEncoding('utf8');
  proc.stderr!.on('data', (d: string) => {
    err = (err + d).slice(-4000);
  });
  proc.stdin!.on('error', () => undefined);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => {
      for (const w of [...waiters]) w();
      resolve({ code, signal });
    }),
  );
  const child: Child = {
    process: proc,
    lines,
    stderr: () => err,
    waitLine(pattern, ms, from = 0) {
      return new Promise((resolve) => {
        const check = (): boolean => {
          const hit = lines.slice(from).find((l) => pattern.test(l.text));
          if (hit) {
            done(hit);
            return true;
          }
          if (proc.exitCode !== null || proc.signalCode !== null) {
            done(undefined);
            return true;
          }
          return false;
        };
        const timer = setTimeout(() => done(undefined), ms);
        const done = (value: Line | undefined): void => {
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(value);
        };
        const waiter = (): void => void check();
        waiters.add(waiter);
        check();
      });
    },
    send(line) {
      if (proc.stdin!.writable) proc.stdin!.write(`${line}\n`);
    },
    async kill(signal = 'SIGKILL') {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill(signal);
      await exited;
    },
    exited,
  };
  children.add(child);
  void exited.then(() => children.delete(child));
  return child;
}

export async function killChildren(): Promise<void> {
  await Promise.all([...children].map((c) => c.kill()));
}

/** Timer ticks (`TICK n late`) a child printed between `from` and `to` (ms timestamps). */
export function ticksBetween(child: Child, from: number, to: number): number {
  return child.lines.filter((l) => l.text.startsWith('TICK ') && l.at >= from && l.at <= to).length;
}
