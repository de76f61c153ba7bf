// Per-test engine + socket bookkeeping for the reference engine's frame-level tests. With
// `III_TEST_ENGINE_URL` set they run against that external engine instead (target.ts); a test
// that needs what only the reference engine offers is skipped with the reason.
import { afterEach, beforeEach, type TestContext } from 'vitest';
import { startEngine, type EngineOptions, type RunningEngine } from '../index';
import {
  announcedWorker,
  connectRaw,
  connectWorker,
  openSocket,
  SocketPool,
  withTimeout,
  type AnnounceOptions,
  type ConnectOptions,
  type RawSocket,
  type RawWorker,
} from './raw-client';
import { externalAs, externalEngine, needsReference } from './target';

const quiet = process.env.ENGINE_TEST_LOG ? undefined : (): void => undefined;

export interface Harness {
  /**
   * Start an engine on an ephemeral 127.0.0.1 port; closed after the test. With an external
   * engine: that engine, or the test is skipped when it asks for what only ours can be given.
   */
  engine(options?: EngineOptions): Promise<RunningEngine>;
  /** Skip the current test against an external engine, naming what it needs of ours. */
  referenceOnly(reason: string): void;
  /** Connect a worker socket without waiting for anything. */
  raw(url: string, opts?: ConnectOptions): Promise<RawWorker>;
  /** Connect and wait for workerregistered. */
  worker(url: string, opts?: ConnectOptions): Promise<RawWorker>;
  /** Connect, wait for workerregistered and announce synchronously. */
  announced(url: string, opts?: AnnounceOptions & ConnectOptions): Promise<RawWorker>;
  /** Open any WebSocket (channels, /otel). */
  socket(url: string, opts?: ConnectOptions): Promise<RawSocket>;
  track<T extends RawSocket>(s: T): T;
}

export function useHarness(): Harness {
  const engines: RunningEngine[] = [];
  const pool = new SocketPool();
  let current: TestContext | undefined;
  const skip = (reason: string): never => {
    if (!current) throw new Error(`a test needs the reference engine (${reason}), but no test context was captured`);
    current.skip(reason);
    throw new Error('unreachable: skip() throws');
  };

  beforeEach((ctx) => {
    current = ctx;
  });

  afterEach(async () => {
    current = undefined;
    await pool.closeAll();
    const all = engines.splice(0);
    await Promise.all(all.map((e) => withTimeout(e.close(), 3000, 'engine.close()').catch(() => undefined)));
  });

  return {
    async engine(options: EngineOptions = {}) {
      if (externalEngine) {
        const e = externalAs(externalEngine, options);
        return 'skip' in e ? skip(e.skip) : e;
      }
      const opts: EngineOptions = { host: '127.0.0.1', port: 0, ...options };
      if (quiet && !opts.log) opts.log = quiet;
      if (opts.listeners) opts.listeners = opts.listeners.map((l) => ({ host: '127.0.0.1', port: 0, ...l }));
      const e = await withTimeout(startEngine(opts), 5000, 'startEngine');
      engines.push(e);
      return e;
    },
    referenceOnly(reason) {
      const why = needsReference(reason);
      if (why) skip(why);
    },
    async raw(url, opts) {
      return pool.add(await connectRaw(url, opts));
    },
    async worker(url, opts) {
      const w = pool.add(await connectRaw(url, opts));
      await w.hello(opts?.timeoutMs);
      return w;
    },
    async announced(url, opts) {
      // connectWorker/announcedWorker are used so that the socket is tracked even if announce fails.
      const w = pool.add(await connectRaw(url, opts));
      await w.hello(opts?.timeoutMs);
      const r = await w.announce({ name: opts?.name ?? `w-${Math.random().toString(16).slice(2, 10)}`, ...opts });
      if (!r || r.success !== true) throw new Error(`announce failed: ${JSON.stringify(r)}`);
      return w;
    },
    async socket(url, opts) {
      return pool.add(await openSocket(url, opts));
    },
    track(s) {
      return pool.add(s);
    },
  };
}

// Re-exported for tests that need them without the harness.
export { announcedWorker, connectWorker };
