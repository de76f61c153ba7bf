/**
 * The engine killed (SIGKILL) and restarted on the same port while a caller worker keeps calling
 * a function of a server worker (issue 10 item 2). Shared by restart.test.ts (small counts) and
 * measure.ts (10,000 calls, 15 restarts).
 *
 * The server worker reaches the engine through a loopback proxy that keeps refusing it for
 * `serverLagMs` after each restart, so the caller is always back first and its queued calls reach
 * the engine before the function does. That is the ordinary production case (workers back off
 * independently, with jitter, and the owner of a function is often the slower one); here it is
 * made to happen at every restart instead of by chance.
 *
 * Outcomes that keep the promise: a call succeeds, or, having been sent on a socket that died
 * before it answered, rejects `CONNECTION_LOST` (it may have run; it is never re-sent). Everything
 * else (a queued call rejected `function_not_found`, a `TIMEOUT`, a call that never settles) is a
 * failure. Every run of the handler is counted per call, so a call run twice is seen.
 */
import type { III } from '../../platform/node/index.js';
import { uniqueName, within, worker } from '../node/helpers.js';
import { EngineProcess } from './engine-process.js';
import { startProxy } from './proxy.js';

export interface RestartLoadOptions {
  /** At least this many calls; more when the restarts take longer than issuing them. */
  calls: number;
  restarts: number;
  /** Calls issued per second, spread evenly (issuing never waits for results). @default 250 */
  ratePerSecond?: number;
  /** How long the engine stays down at each restart, besides its own start-up. @default 300 */
  outageMs?: number;
  /** Each call's `timeoutMs`. @default 15000 */
  callTimeoutMs?: number;
  /** How long after each restart the server worker is kept away from the engine. @default 800 */
  serverLagMs?: number;
  /** Normal traffic before each kill. @default 1000 */
  steadyMs?: number;
  /** How long the handler works (keeps calls in flight when the engine dies). @default 20 */
  handlerMs?: number;
  log?: (line: string) => void;
}

export interface CallRecord {
  id: number;
  issuedAt: number;
  /** The caller was not connected when the call was made: it waited in the queue. */
  queued: boolean;
  /** Which outage (1-based) the call was queued in, if any. */
  outage: number | undefined;
  settledAt?: number;
  outcome?: 'ok' | string;
  message?: string;
}

export interface RestartLoadReport {
  calls: number;
  restarts: number;
  settled: number;
  /** Calls that never settled within their timeout plus a margin. */
  lost: number;
  /** Calls whose handler ran more than once. */
  ranTwice: number;
  succeeded: number;
  /** Rejections by code (CONNECTION_LOST of calls in flight at a kill included). */
  rejected: Record<string, number>;
  /** Rejections that break the promise (anything but CONNECTION_LOST of a call in flight). */
  broken: number;
  queuedSucceeded: number;
  queuedTotal: number;
  /** Restarts after which every call queued during the outage succeeded. */
  restartsAllQueuedOk: number;
  /** Restarts during whose outage at least one call was queued. */
  restartsWithQueued: number;
  /** Per restart: ms from the engine listening again to the last queued call settling. */
  settleMs: number[];
  examples: string[];
  durationMs: number;
}

const FUNCTION_ID = 'faults::restart::work';

export async function runRestartLoad(o: RestartLoadOptions): Promise<RestartLoadReport> {
  const rate = o.ratePerSecond ?? 250;
  const outageMs = o.outageMs ?? 300;
  const callTimeoutMs = o.callTimeoutMs ?? 15_000;
  const serverLagMs = o.serverLagMs ?? 800;
  const steadyMs = o.steadyMs ?? 1000;
  const handlerMs = o.handlerMs ?? 20;
  const log = o.log ?? (() => undefined);
  const started = Date.now();

  const engine = await EngineProcess.start();
  const proxy = await startProxy(engine.port);
  const runs = new Map<number, number>();
  let server: III | undefined;
  let caller: III | undefined;
  try {
    server = worker(proxy.url, {
      workerName: uniqueName('restart-server'),
      reconnect: { initialDelayMs: 100, maxDelayMs: 100, jitter: 0, minUptimeMs: 0 },
      invocationTimeoutMs: callTimeoutMs,
    });
    server.registerFunction(FUNCTION_ID, async (data: { id: number }) => {
      runs.set(data.id, (runs.get(data.id) ?? 0) + 1);
      await new Promise((r) => setTimeout(r, handlerMs));
      return { id: data.id };
    });
    caller = worker(engine.url, {
      workerName: uniqueName('restart-caller'),
      reconnect: { initialDelayMs: 50, maxDelayMs: 200, jitter: 0, minUptimeMs: 0 },
      invocationTimeoutMs: callTimeoutMs,
    });
    await within(Promise.all([server.ready(), caller.ready()]), 15_000, 'workers ready');
    // The function must be callable before the load starts.
    await within(caller.trigger({ function_id: FUNCTION_ID, payload: { id: -1 }, timeoutMs: 5000 }), 8000, 'first call');
    runs.delete(-1);

    const records: CallRecord[] = [];
    const settling: Promise<void>[] = [];
    let outage: number | undefined;
    const restartedAt: number[] = [];
    const issue = (): void => {
      const id = records.length;
      const rec: CallRecord = { id, issuedAt: Date.now(), queued: caller!.connectionState !== 'connected', outage };
      records.push(rec);
      settling.push(
        caller!.trigger({ function_id: FUNCTION_ID, payload: { id }, timeoutMs: callTimeoutMs }).then(
          () => {
            rec.settledAt = Date.now();
            rec.outcome = 'ok';
          },
          (error: unknown) => {
            rec.settledAt = Date.now();
            rec.outcome = String((error as { code?: unknown })?.code ?? (error as Error)?.name ?? 'unknown');
            rec.message = String((error as Error)?.message ?? error).slice(0, 200);
          },
        ),
      );
    };

    // Calls are issued at `rate` until `calls` are issued and every restart is done. One restart
    // cycle: `steadyMs` of normal traffic (calls in flight), SIGKILL, `outageMs` down (calls made
    // meanwhile queue in the caller), the engine starts, the server worker is let back in
    // `serverLagMs` later, and the next cycle waits until the calls queued in this outage have
    // settled (so outages never overlap and every queued call meets a whole engine).
    const issueStart = Date.now();
    let restartsDone = 0;
    const restarts = (async () => {
      for (let n = 1; n <= o.restarts; n++) {
        await new Promise((r) => setTimeout(r, steadyMs));
        proxy.refuse();
        await engine.kill();
        const killedAt = Date.now();
        outage = n;
        await new Promise((r) => setTimeout(r, outageMs));
        await engine.start();
        restartedAt[n] = Date.now();
        outage = undefined;
        setTimeout(() => proxy.accept(), serverLagMs);
        const mine = settling.filter((_, i) => records[i]!.outage === n);
        await Promise.race([Promise.all(mine), new Promise((r) => setTimeout(r, callTimeoutMs + 1000))]);
        restartsDone = n;
        log(`restart ${n}: engine down ${restartedAt[n]! - killedAt} ms, ${mine.length} calls queued meanwhile`);
      }
    })();
    while (records.length < o.calls || restartsDone < o.restarts) {
      const due = Math.floor(((Date.now() - issueStart) / 1000) * rate) + 1;
      while (records.length < due) issue();
      await new Promise((r) => setTimeout(r, 10));
    }
    await restarts;
    // Every call has its own timeout: all must have settled by then (plus a margin for a busy machine).
    await Promise.race([Promise.all(settling), new Promise((r) => setTimeout(r, callTimeoutMs + 5000))]);

    const settled = records.filter((r) => r.outcome !== undefined);
    const rejected: Record<string, number> = {};
    const examples: string[] = [];
    let broken = 0;
    for (const r of settled) {
      if (r.outcome === 'ok') continue;
      rejected[r.outcome!] = (rejected[r.outcome!] ?? 0) + 1;
      // CONNECTION_LOST is the promised outcome of a call that was on the wire when the engine died;
      // a queued call was never on the wire, so for it nothing but success keeps the promise.
      const acceptable = r.outcome === 'CONNECTION_LOST' && !r.queued;
      if (!acceptable) {
        broken++;
        if (examples.length < 5) examples.push(`call ${r.id}${r.queued ? ' (queued)' : ''}: ${r.outcome}: ${r.message}`);
      }
    }
    const queued = records.filter((r) => r.queued);
    const settleMs: number[] = [];
    let restartsAllQueuedOk = 0;
    let restartsWithQueued = 0;
    for (let n = 1; n <= o.restarts; n++) {
      const inOutage = records.filter((r) => r.outage === n && r.queued);
      if (inOutage.length > 0) restartsWithQueued++;
      if (inOutage.length > 0 && inOutage.every((r) => r.outcome === 'ok')) restartsAllQueuedOk++;
      const last = Math.max(...inOutage.map((r) => r.settledAt ?? Number.POSITIVE_INFINITY));
      if (restartedAt[n] !== undefined && inOutage.length > 0) settleMs.push(last - restartedAt[n]!);
    }
    const ranTwice = [...runs.values()].filter((n) => n > 1).length;
    return {
      calls: records.length,
      restarts: restartsDone,
      settled: settled.length,
      lost: records.length - settled.length,
      ranTwice,
      succeeded: settled.filter((r) => r.outcome === 'ok').length,
      rejected,
      broken,
      queuedSucceeded: queued.filter((r) => r.outcome === 'ok').length,
      queuedTotal: queued.length,
      restartsAllQueuedOk,
      restartsWithQueued,
      settleMs,
      examples,
      durationMs: Date.now() - started,
    };
  } finally {
    await Promise.all([server, caller].map((w) => (w ? within(w.shutdown(), 3000, 'shutdown').catch(() => undefined) : undefined)));
    await proxy.close();
    await engine.close();
  }
}
