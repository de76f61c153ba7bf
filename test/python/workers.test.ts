/**
 * Workers and logs across the language boundary: each side sees the other in the engine's worker
 * list; a Python worker that dies mid-call fails the call at once; logger calls from Python reach
 * the engine as this SDK's do.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { IIIInvocationError, type III } from '../../platform/node/index.js';
import { callPython, cleanup, engineUnderTest, listed, sdkAtLeast, startPython, tsWorker, unique, waitFor, within, type EngineUnderTest, type PythonPeer } from './harness.js';
import { startRecordingProxy, type RecordingProxy } from './proxy.js';

let engine: EngineUnderTest;
let ts: III;
/** Logs at debug: `logLevel` gates both the console and the engine copy of a log call. */
let loud: III;
let tsName: string;
let py: PythonPeer;
/** In front of the engine: the address the Python worker is given (register_worker's argument). */
let workerProxy: RecordingProxy;
/** In front of the engine too: env III_URL of the Python process. */
let envProxy: RecordingProxy;

beforeAll(async () => {
  engine = await engineUnderTest();
  tsName = unique('ts-lister');
  ts = tsWorker(engine.url, { workerName: tsName, workerDescription: 'cross-language test peer (Node)' });
  loud = tsWorker(engine.url, { logLevel: 'debug' });
  // The Python SDK sends its telemetry (logs included) on a socket of its own to `/otel`: of env
  // III_URL in 0.23, of the worker's address from 0.24.6 on. Both go through recording proxies.
  workerProxy = await startRecordingProxy(engine.url);
  envProxy = await startRecordingProxy(engine.url);
  py = await startPython(workerProxy.url, { env: { III_URL: envProxy.url } });
  await Promise.all([ts.ready(), loud.ready()]);
  await listed(ts, [py.fn('echo')]);
});

afterAll(async () => {
  await cleanup();
  await Promise.all([workerProxy?.close(), envProxy?.close()]);
});

describe('worker lists', () => {
  it('listWorkers() of this SDK shows the Python worker with its runtime, SDK version and description', async () => {
    const info = await waitFor(async () => (await ts.listWorkers()).find((w) => w.id === py.workerId), 10_000, 'Python worker listed');
    expect(info).toMatchObject({
      name: py.name,
      runtime: 'python',
      version: py.sdk,
      description: 'cross-language test peer (Python)',
      function_count: expect.any(Number),
    });
    expect(info.function_count).toBeGreaterThanOrEqual(20);
  });

  it('the Python worker sees this SDK in engine::workers::list', async () => {
    const seen = await callPython<any>(ts, py, 'call_async', { function_id: 'engine::workers::list', payload: {} });
    expect(seen.ok).toBe(true);
    const me = seen.result.workers.find((w: { id: string }) => w.id === ts.workerId);
    expect(me).toMatchObject({ name: tsName, runtime: 'node', description: 'cross-language test peer (Node)' });
  });
});

describe('a Python worker that dies', () => {
  it('fails a call in flight at once (invocation_stopped), leaves the worker list, and its functions answer function_not_found', async () => {
    const doomed = await startPython(engine.url);
    await listed(ts, [doomed.fn('sleep')]);
    const started = Date.now();
    const call = ts.trigger({ function_id: doomed.fn('sleep'), payload: { ms: 20_000 }, timeoutMs: 15_000 }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 300));
    await doomed.kill('SIGKILL');
    const error = await within(call, 10_000, 'the call in flight');
    expect(error).toBeInstanceOf(IIIInvocationError);
    expect(error).toMatchObject({ code: 'invocation_stopped' });
    expect(Date.now() - started).toBeLessThan(10_000);
    await waitFor(async () => !(await ts.listWorkers()).some((w) => w.id === doomed.workerId), 10_000, 'gone from the worker list');
    const after = await ts.trigger({ function_id: doomed.fn('echo'), payload: {}, timeoutMs: 5000 }).catch((e: unknown) => e);
    expect(after).toMatchObject({ code: 'function_not_found' });
  });
});

describe('logs', () => {
  const levels = ['info', 'warn', 'error', 'debug'] as const;

  it('this SDK: logger calls reach the engine as engine::log::<level> with message and data', async () => {
    const tag = unique('ts-log');
    // logLevel gates the engine copy too, so this worker logs at debug (its console copy muted here).
    const muted = levels.map((level) => vi.spyOn(console, level).mockImplementation(() => undefined));
    try {
      for (const level of levels) loud.logger[level](`${tag} ${level}`, { tag, level, n: 1 });
    } finally {
      for (const m of muted) m.mockRestore();
    }
    if (engine.logs) {
      const got = await waitFor(() => {
        const mine = engine.logs!.filter((l) => l.message.startsWith(tag));
        return mine.length === levels.length ? mine : undefined;
      }, 10_000, 'engine saw the four log calls');
      expect(got).toEqual(levels.map((level) => ({ level, message: `${tag} ${level}`, data: { tag, level, n: 1 } })));
    } else {
      const stored = await waitFor(() => engineLogs(tag, levels.length), 10_000, 'engine stored the four log calls');
      expect(stored.map((l) => l.severity_text.toLowerCase()).sort()).toEqual([...levels].sort());
    }
  });

  it('Python: Logger calls leave the worker as OTLP log records on the engine\'s /otel socket (body, severity, data)', async () => {
    const tag = unique('py-log');
    const entries = levels.map((level) => ({ level, message: `${tag} ${level}`, data: { tag, level } }));
    expect(await callPython(ts, py, 'log', { entries, service_name: 'py-peer' })).toEqual({ logged: 4 });
    const records = await waitFor(() => {
      const found = [...otlpLogRecords(workerProxy), ...otlpLogRecords(envProxy)].filter((r) => r.body?.stringValue?.startsWith(tag));
      return found.length === levels.length ? found : undefined;
    }, 10_000, 'four OTLP log records on /otel');
    expect(records.map((r) => r.severityText).sort()).toEqual(['DEBUG', 'ERROR', 'INFO', 'WARN']);
    const info = records.find((r) => r.severityText === 'INFO')!;
    expect(info.body).toEqual({ stringValue: `${tag} info` });
    expect(info.attributes).toContainEqual({ key: 'service.name', value: { stringValue: 'py-peer' } });
    // The entries reach Python through the engine, and the real engine sorts object keys
    // (docs/real-engine.md, divergence 5): the data's members are compared, not their order.
    const data = (info.attributes as Array<{ key: string; value: any }>).find((a) => a.key === 'log.data');
    const members = [{ key: 'tag', value: { stringValue: tag } }, { key: 'level', value: { stringValue: 'info' } }];
    expect(data?.value.kvlistValue.values).toHaveLength(members.length);
    expect(data?.value.kvlistValue.values).toEqual(expect.arrayContaining(members));
  });

  it("Python: telemetry goes to env III_URL (iii-sdk < 0.24.6), or to the worker's own address (later releases)", async () => {
    const tag = unique('py-log-where');
    await callPython(ts, py, 'log', { entries: [{ level: 'info', message: tag }] });
    const seenBy = await waitFor(() => {
      const where = [workerProxy, envProxy].filter((p) => otlpLogRecords(p).some((r) => r.body?.stringValue === tag));
      return where.length > 0 ? where : undefined;
    }, 10_000, 'the record on one /otel socket');
    expect(seenBy).toEqual([sdkAtLeast(py.sdk, '0.24.6') ? workerProxy : envProxy]);
  });

  // The Python SDK logs through OpenTelemetry (binary `LOGS` frames on /otel, protocol.md §2.1),
  // never through engine::log::*. The engine stores those records with the engine::log::* ones
  // (the observability worker's store, engine::logs::list; the reference engine keeps the same
  // store, §8 item 45), so both sides' logs are visible there.
  it("Python: Logger calls are in the engine's log next to this SDK's", async () => {
    const tag = unique('py-log2');
    await callPython(ts, py, 'log', { entries: [{ level: 'warn', message: `${tag} warn`, data: { tag } }] });
    const muted = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    loud.logger.warn(`${tag} from node`, { tag });
    muted.mockRestore();
    const stored = await waitFor(() => engineLogs(tag, 2), 10_000, 'both records stored by the engine');
    expect(stored.map((l) => l.body).sort()).toEqual([`${tag} from node`, `${tag} warn`]);
  });
});

/** OTLP JSON log records of the binary `LOGS` frames the proxy saw on /otel. */
function otlpLogRecords(proxy: RecordingProxy): Array<Record<string, any>> {
  const out: Array<Record<string, any>> = [];
  for (const f of proxy.frames) {
    if (f.path !== '/otel' || f.from !== 'client' || !f.binary || f.binary.subarray(0, 4).toString() !== 'LOGS') continue;
    const doc = JSON.parse(f.binary.subarray(4).toString('utf8')) as { resourceLogs: Array<{ scopeLogs: Array<{ logRecords: unknown[] }> }> };
    for (const rl of doc.resourceLogs) for (const sl of rl.scopeLogs) out.push(...(sl.logRecords as Array<Record<string, any>>));
  }
  return out;
}

interface StoredLog {
  body: string;
  severity_text: string;
  service_name?: string;
  instrumentation_scope_name?: string;
}

/**
 * The real engine's stored logs (engine::logs::list) whose body starts with `tag`, once there are
 * `count`. Left out: the engine's own console line for each engine::log::info|warn|error call,
 * which it stores beside the worker's record (service `iii`, scope `tracing`;
 * engine/src/workers/observability/mod.rs; docs/real-engine.md, divergence 6).
 */
async function engineLogs(tag: string, count: number): Promise<StoredLog[] | undefined> {
  const res = (await ts.trigger({ function_id: 'engine::logs::list', payload: { limit: 1000 }, timeoutMs: 5000 })) as { logs: StoredLog[] };
  const enginesOwn = (l: StoredLog) => l.service_name === 'iii' && l.instrumentation_scope_name === 'tracing';
  const mine = res.logs.filter((l) => typeof l.body === 'string' && l.body.startsWith(tag) && !enginesOwn(l));
  return mine.length >= count ? mine : undefined;
}
