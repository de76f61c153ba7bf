/**
 * A fake clock and a fake transport, injected through the `Platform` object:
 * no globals patched, no real sockets, no real time.
 */
import type { Platform, Transport, TransportHandlers, TransportOptions } from '../../src/platform.js';

export class FakeClock {
  #now = 1_000_000;
  #nextId = 1;
  readonly timers = new Map<number, { at: number; fn: () => void }>();

  now = (): number => this.#now;

  setTimeout = (fn: () => void, ms: number): number => {
    const id = this.#nextId++;
    this.timers.set(id, { at: this.#now + Math.max(0, ms), fn });
    return id;
  };

  clearTimeout = (handle: unknown): void => {
    this.timers.delete(handle as number);
  };

  /** Moves time forward, firing due timers in order (including ones they schedule). */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      let nextId: number | undefined;
      let nextAt = Infinity;
      for (const [id, t] of this.timers) {
        if (t.at <= end && t.at < nextAt) {
          nextAt = t.at;
          nextId = id;
        }
      }
      if (nextId === undefined) break;
      const timer = this.timers.get(nextId)!;
      this.timers.delete(nextId);
      this.#now = Math.max(this.#now, timer.at);
      timer.fn();
    }
    this.#now = end;
  }

  /**
   * Moves time forward WITHOUT firing timers, as in a suspended machine or a hidden browser tab
   * whose timers are throttled; the next `advance()` fires everything overdue, late.
   */
  jump(ms: number): void {
    this.#now += ms;
  }

  get pending(): number {
    return this.timers.size;
  }

  /** Delays of the timers currently armed, relative to now. */
  delays(): number[] {
    return [...this.timers.values()].map((t) => t.at - this.#now).sort((a, b) => a - b);
  }
}

export class FakeTransport implements Transport {
  readonly sent: string[] = [];
  closedWith: { code?: number; reason?: string } | undefined;
  #reportedClose = false;

  constructor(
    readonly url: string,
    readonly options: TransportOptions,
    readonly handlers: TransportHandlers,
  ) {}

  /** Frames the client sent, parsed. */
  get frames(): Array<Record<string, unknown>> {
    return this.sent.map((s) => JSON.parse(s) as Record<string, unknown>);
  }

  /** Answer a JSON `ping` with a `pong`, as every engine does (§3.10); off to test silence. */
  autoPong = true;

  send(data: string | Uint8Array): void {
    if (this.closedWith || this.#reportedClose) throw new Error('send on a closed fake socket');
    const text = typeof data === 'string' ? data : new TextDecoder().decode(data);
    this.sent.push(text);
    if (this.autoPong && text === '{"type":"ping"}') this.receive({ type: 'pong' });
  }

  close(code?: number, reason?: string): void {
    if (this.closedWith) return;
    this.closedWith = { code, reason };
    this.#reportClose(code ?? 1005, reason ?? '');
  }

  bufferedAmount(): number {
    return 0;
  }

  // ---- the engine's side ----

  open(): void {
    this.handlers.onOpen();
  }

  receive(frame: unknown): void {
    this.handlers.onMessage(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Engine side: handshake done (§1.2 item 1). */
  register(workerId = 'w-1', token = 'tok-1'): void {
    this.receive({ type: 'workerregistered', worker_id: workerId, reattach_token: token });
  }

  /** Engine side: the socket ends (no status code → 1005, like the engine). */
  drop(code = 1005, reason = ''): void {
    this.#reportClose(code, reason);
  }

  #reportClose(code: number, reason: string): void {
    if (this.#reportedClose) return;
    this.#reportedClose = true;
    this.handlers.onClose(code, reason);
  }
}

export interface FakePlatform {
  platform: Platform;
  clock: FakeClock;
  transports: FakeTransport[];
  /** The most recent transport. */
  last(): FakeTransport;
  env: Record<string, string>;
}

/** `autoPong: false` for tests of a silent engine (liveness). */
export function fakePlatform(overrides: Partial<Platform> = {}, { autoPong = true } = {}): FakePlatform {
  const clock = new FakeClock();
  const transports: FakeTransport[] = [];
  const env: Record<string, string> = {};
  let uuid = 0;
  const silent = { debug() {}, info() {}, warn() {}, error() {} };
  const platform: Platform = {
    name: 'fake',
    supportsHeaders: true,
    connect: (url, options, handlers) => {
      const t = new FakeTransport(url, options, handlers);
      t.autoPong = autoPong;
      transports.push(t);
      return t;
    },
    now: clock.now,
    setTimeout: clock.setTimeout,
    clearTimeout: clock.clearTimeout,
    random: () => 0.5, // no jitter: 0.5 → spread 0
    randomUUID: () => `00000000-0000-4000-8000-${String(++uuid).padStart(12, '0')}`,
    env: (name) => env[name],
    runtimeInfo: () => ({ runtime: 'fake', os: 'fake-os', pid: 42, defaultWorkerName: () => 'fake-host:42' }),
    console: silent,
    ...overrides,
  };
  return {
    platform,
    clock,
    transports,
    env,
    last: () => {
      const t = transports[transports.length - 1];
      if (!t) throw new Error('no transport was created');
      return t;
    },
  };
}

/** Lets queued promise callbacks run. */
export async function flush(times = 5): Promise<void> {
  for (let i = 0; i < times; i++) await Promise.resolve();
}
