// An engine the bench did not start (`--engine-url`, e.g. the real iii engine): its CPU time is
// read from /proc, so the engine's own cost can still be printed beside every figure. Linux only;
// elsewhere, or when the process cannot be found, the engine columns read n/a.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { CpuSample, HostRequest } from './common.js';

/** What the rounds need of an engine: its CPU time on request (speed.ts). */
export interface EngineCpuSource {
  request<T>(req: HostRequest, ms: number): Promise<T>;
}

/** The pid of the process listening on `port` (any local address), from /proc/net/tcp{,6}. */
export function listenerPid(port: number): number | undefined {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address is HEXIP:HEXPORT; state 0A is LISTEN.
      if (f.length > 9 && f[3] === '0A' && parseInt(f[1]!.split(':')[1]!, 16) === port) inodes.add(f[9]!);
    }
  }
  if (inodes.size === 0) return undefined;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${entry}/fd/${fd}`));
        if (m && inodes.has(m[1]!)) return Number(entry);
      } catch {
        // fd closed meanwhile
      }
    }
  }
  return undefined;
}

/**
 * CPU time of `pid` in µs: the sum of its threads' run time from /proc/<pid>/task/<tid>/schedstat
 * (nanoseconds; /proc/<pid>/stat counts in 10 ms ticks, too coarse for a 100 ms round). The engine's
 * threads (tokio workers) live as long as it does, so differences between two reads are exact.
 * User and system time are not told apart here: all of it is reported as `user`.
 */
export function processCpu(pid: number): CpuSample {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // thread ended between the listing and the read
    }
  }
  return { user: ns / 1000, system: 0 };
}

/** The CPU source of an external engine; `pid` undefined = unknown (every reading is NaN). */
export function externalEngineCpu(pid: number | undefined): EngineCpuSource {
  return {
    async request<T>(req: HostRequest): Promise<T> {
      if (req.op !== 'cpu') throw new Error(`external engine: ${req.op} is not available`);
      return (pid === undefined ? { user: NaN, system: NaN } : processCpu(pid)) as T;
    },
  };
}
