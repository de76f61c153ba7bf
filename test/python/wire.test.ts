/**
 * What the Python SDK puts on the wire, recorded by a transparent proxy between it and the engine
 * (test/python/proxy.ts), while it does everything the other files test: serving and making calls
 * (sync, void, enqueue, errors), providing and binding trigger types, channels, logs, a dropped
 * socket and its reattach. Every frame type and field it sends is checked against what engine
 * 0.23 knows (protocol.md §2.2, §2.3, §1.2): for the pinned SDK there must be nothing else, and for
 * a newer SDK the surplus must be exactly what docs/protocol-versions.md records for it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TriggerAction, type III } from '../../platform/node/index.js';
import { PY_SDK, QUEUE, callPython, cleanup, engineUnderTest, listed, sdkAtLeast, startPython, tsWorker, unique, waitFor, type PythonPeer } from './harness.js';
import { startRecordingProxy, type RecordingProxy, type Rewrite } from './proxy.js';

/**
 * Worker → engine frames and their fields in engine 0.23 (protocol.md §2.3). Written from the
 * specification on purpose, not imported from the reference engine (test/engine/frames.ts keeps a
 * similar private list): this checks the Python SDK against the protocol, whatever the reference
 * engine's internals say.
 */
const FRAMES_0_23: Record<string, string[]> = {
  registerfunction: ['id', 'description', 'request_format', 'response_format', 'metadata', 'invocation'],
  unregisterfunction: ['id'],
  invokefunction: ['invocation_id', 'function_id', 'data', 'traceparent', 'baggage', 'action', 'metadata', 'namespace'],
  invocationresult: ['invocation_id', 'function_id', 'result', 'error', 'traceparent', 'baggage'],
  registertriggertype: ['id', 'description', 'trigger_request_format', 'call_request_format', 'namespace'],
  registertrigger: ['id', 'trigger_type', 'function_id', 'config', 'metadata', 'namespace', 'trigger_namespace'],
  unregistertrigger: ['id', 'trigger_type'],
  triggerregistrationresult: ['id', 'trigger_type', 'function_id', 'error'],
  registerservice: ['id', 'name', 'description', 'parent_service_id'],
  reattach: ['previous_worker_id', 'reattach_token'],
  ping: [],
  pong: [],
  // Sent by the 0.23 SDKs although the engine drops it (protocol.md §2.2, §7): known, not new.
  unregistertriggertype: ['id'],
};
const NESTED_0_23: Record<string, string[]> = {
  'invokefunction.action': ['type', 'queue'],
  'invocationresult.error': ['code', 'message', 'stacktrace'],
  'triggerregistrationresult.error': ['code', 'message', 'stacktrace'],
};
/** `engine::workers::register` payload fields (protocol.md §1.2). */
const REGISTER_0_23 = ['runtime', 'version', 'name', 'description', 'os', 'pid', 'isolation', 'namespace', 'telemetry'];
const TELEMETRY_0_23 = ['language', 'project_name', 'framework', 'amplitude_api_key'];
const OTEL_PREFIXES_0_23 = ['OTLP', 'MTRC', 'LOGS'];
const CHANNEL_QUERY_0_23 = ['key', 'dir'];

/**
 * What each Python SDK release sends beyond engine 0.23, as found by this test; every entry is
 * explained in docs/protocol-versions.md. A release not listed here fails the test with its list.
 */
const BEYOND_0_23: Record<string, string[]> = {
  '0.23.0rc4': [],
  '0.24.6': [],
  '0.25.0': ['engine::workers::register data.features'],
};
/** The same, with an engine that advertises observe.v1 and local-dispatch.v1 and confirms functions. */
const BEYOND_0_23_ADVERTISED: Record<string, string[]> = {
  '0.23.0rc4': [],
  '0.24.6': [],
  '0.25.0': ['engine::workers::register data.features', 'invokefunction.caller'],
};

let ts: III;
const proxies: RecordingProxy[] = [];
const fn = { add: unique('ts::add'), fail: unique('ts::fail'), sink: unique('ts::sink') };

beforeAll(async () => {
  const engine = await engineUnderTest();
  ts = tsWorker(engine.url);
  ts.registerFunction(fn.add, (d: { a: number; b: number }) => ({ sum: d.a + d.b }));
  ts.registerFunction(fn.fail, () => {
    throw new Error('refused here');
  });
  ts.registerFunction(fn.sink, () => undefined);
  await ts.ready();
  await listed(ts, Object.values(fn));
});

afterAll(async () => {
  await cleanup();
  await Promise.all(proxies.map((p) => p.close()));
});

/** A Python worker whose every socket (worker, telemetry, channels) goes through a recording proxy. */
async function recordedPython(rewrite?: Rewrite): Promise<{ py: PythonPeer; proxy: RecordingProxy }> {
  const proxy = await startRecordingProxy((await engineUnderTest()).url, { rewrite });
  proxies.push(proxy);
  const py = await startPython(proxy.url);
  await listed(ts, [py.fn('echo'), py.fn('on_tick')]);
  return { py, proxy };
}

/** Drives the Python worker through every path the suite covers; returns what its call to itself saw. */
async function exercise(py: PythonPeer, proxy: RecordingProxy): Promise<{ self: any }> {
  await callPython(ts, py, 'echo', { a: 1 });
  await callPython(ts, py, 'fail', { message: 'x' }).catch(() => undefined);
  await ts.trigger({ function_id: py.fn('record'), payload: { tag: 'w' }, action: TriggerAction.Void() });
  await callPython(ts, py, 'call', { function_id: fn.add, payload: { a: 1, b: 2 }, metadata: { m: 1 } });
  await callPython(ts, py, 'call', { function_id: fn.fail, payload: {} });
  await callPython(ts, py, 'call_async', { function_id: fn.sink, payload: {}, action: { type: 'void' } });
  await callPython(ts, py, 'call_async', { function_id: fn.sink, payload: {}, action: { type: 'enqueue', queue: QUEUE } });
  // A call to one of its own functions (a later SDK may run it in-process).
  const self = await callPython(ts, py, 'call_async', { function_id: py.fn('echo'), payload: { self: true } });
  // Bindings both ways, accepted and refused.
  const accepted = ts.registerTrigger({ type: `${py.prefix}-ticker`, function_id: fn.sink, config: { a: 1 } });
  const refused = ts.registerTrigger({ type: `${py.prefix}-ticker`, function_id: fn.sink, config: { refuse: 'no' } });
  await waitFor(() => refused.error, 10_000, 'refusal');
  await callPython(ts, py, 'fire', { tag: 'w' });
  accepted.unregister();
  const tsType = unique('ts-type');
  ts.registerTriggerType({ id: tsType }, { registerTrigger: () => undefined, unregisterTrigger: () => undefined });
  await callPython(ts, py, 'bind', { key: 'k', type: tsType, function_id: py.fn('on_tick'), config: { b: 2 }, metadata: { c: 3 } });
  await callPython(ts, py, 'unbind', { key: 'k' });
  await callPython(ts, py, 'add_type', { id: `${py.prefix}-extra` });
  await callPython(ts, py, 'drop_type', { id: `${py.prefix}-extra` });
  // Channels through the proxy, both directions.
  const ch = await ts.createChannel();
  const reading = callPython(ts, py, 'channel_read', { input: ch.readerRef });
  await ch.writer.sendMessage('m');
  const w = ch.writer.writable.getWriter();
  await w.write(new Uint8Array(100_000));
  await w.close();
  await reading;
  const ch2 = await ts.createChannel();
  const writing = callPython(ts, py, 'channel_write', { output: ch2.writerRef, bytes: 100_000, messages: ['m'] });
  await ch2.reader.readAll();
  await writing;
  await callPython(ts, py, 'log', { entries: [{ level: 'info', message: 'wire', data: { k: 'v' } }] });
  // A dropped socket: the Python worker reconnects with reattach and replays its registrations.
  const before = proxy.upgrades.filter((u) => u.path === '/').length;
  proxy.drop('/');
  await waitFor(() => proxy.upgrades.filter((u) => u.path === '/').length > before && proxy.clientFrames().some((f) => f.type === 'reattach'), 15_000, 'reattach after the drop');
  await waitFor(async () => (await ts.trigger({ function_id: py.fn('echo'), payload: {}, timeoutMs: 2000 }).catch(() => undefined)) !== undefined, 15_000, 'serving again');
  await waitFor(() => proxy.frames.some((f) => f.path === '/otel' && f.binary?.subarray(0, 4).toString() === 'LOGS'), 10_000, 'the log record on /otel');
  return { self };
}

/** Everything the recorded client traffic has that engine 0.23 does not know, as sorted strings. */
function beyond023(p: RecordingProxy): string[] {
  const out = new Set<string>();
  for (const frame of p.clientFrames()) {
    const type = String(frame.type);
    const known = FRAMES_0_23[type];
    if (!known) {
      out.add(`frame ${type}`);
      continue;
    }
    for (const key of Object.keys(frame)) if (key !== 'type' && !known.includes(key)) out.add(`${type}.${key}`);
    for (const [path, fields] of Object.entries(NESTED_0_23)) {
      const [t, field] = path.split('.') as [string, string];
      const value = t === type ? frame[field] : undefined;
      if (value && typeof value === 'object') for (const key of Object.keys(value)) if (!fields.includes(key)) out.add(`${path}.${key}`);
    }
    if (type === 'invokefunction' && frame.function_id === 'engine::workers::register') {
      for (const key of Object.keys(frame.data ?? {})) if (!REGISTER_0_23.includes(key)) out.add(`engine::workers::register data.${key}`);
      for (const key of Object.keys(frame.data?.telemetry ?? {})) if (!TELEMETRY_0_23.includes(key)) out.add(`engine::workers::register data.telemetry.${key}`);
    }
  }
  for (const f of p.frames) {
    if (f.path !== '/otel' || f.from !== 'client') continue;
    const prefix = f.binary?.subarray(0, 4).toString();
    if (f.text !== undefined) out.add('/otel text frame');
    else if (!OTEL_PREFIXES_0_23.includes(prefix!)) out.add(`/otel binary prefix ${prefix}`);
  }
  for (const u of p.upgrades) {
    if (u.path.startsWith('/ws/channels/')) for (const q of u.query) if (!CHANNEL_QUERY_0_23.includes(q)) out.add(`channel URL query ${q}`);
    if ((u.path === '/' || u.path === '/otel') && u.query.length > 0) out.add(`${u.path} URL query ${u.query.join(',')}`);
    if (u.path !== '/' && u.path !== '/otel' && !u.path.startsWith('/ws/channels/')) out.add(`socket path ${u.path}`);
  }
  return [...out].sort();
}

function expectRecorded(table: Record<string, string[]>, tableName: string, sdk: string, extra: string[]): void {
  const recorded = table[sdk];
  expect(recorded, `iii-sdk ${sdk} is not in ${tableName}; it sends beyond engine 0.23: ${JSON.stringify(extra)}. Record it there and in docs/protocol-versions.md.`).toBeDefined();
  expect(extra).toEqual(recorded);
}

describe('the Python SDK on the wire', () => {
  it('sends only frames, fields and sockets engine 0.23 knows, or exactly what docs/protocol-versions.md records for its release', async () => {
    const { py, proxy } = await recordedPython();
    await exercise(py, proxy);
    // The exercise reached every frame type the 0.23 SDK sends.
    const types = new Set(proxy.clientFrames().map((f) => f.type));
    for (const t of ['registerfunction', 'registertriggertype', 'unregistertriggertype', 'invokefunction', 'invocationresult', 'registertrigger', 'unregistertrigger', 'triggerregistrationresult', 'reattach']) {
      expect(types, `no ${t} frame was recorded`).toContain(t);
    }
    expectRecorded(BEYOND_0_23, 'BEYOND_0_23', py.sdk, beyond023(proxy));
  });

  // A newer SDK turns features on only when the engine says it has them: iii-sdk 0.25 reads
  // `features` from workerregistered, and runs a function it hosts in-process once the engine
  // confirms it with `functionregistered {local_dispatch: true}`. The proxy plays that part of a
  // 0.25 engine (frame shapes from iii-sdk 0.25's iii_types.py) in front of engine 0.23, to see
  // what the SDK would put on the wire for a 0.25 engine, while engine 0.23 still answers.
  it('with an engine that advertises observe.v1 and local-dispatch.v1 and confirms functions: what it sends beyond engine 0.23, and everything still works', async () => {
    const { py, proxy } = await recordedPython(pretend025());
    const { self } = await exercise(py, proxy);
    expectRecorded(BEYOND_0_23_ADVERTISED, 'BEYOND_0_23_ADVERTISED', py.sdk, beyond023(proxy));
    // exercise() had Python call its own echo once. Through the engine that is an invokefunction
    // from Python, and the engine injects the caller's id (§3.3); run in-process (local dispatch,
    // iii-sdk >= 0.25) the engine never sees it, so the handler gets no _caller_worker_id.
    const local = sdkAtLeast(py.sdk, '0.25.0');
    const selfCalls = proxy.clientFrames().filter((f) => f.type === 'invokefunction' && f.function_id === py.fn('echo')).length;
    expect(selfCalls).toBe(local ? 0 : 1);
    expect(self).toEqual({ ok: true, result: { echo: { self: true }, caller: local ? null : py.workerId, runtime: 'python' } });
  });
});

describe('observe (iii-sdk >= 0.25), which engine 0.23 does not have', () => {
  const has = sdkAtLeast(PY_SDK, '0.25.0');
  // Against engine 0.23 as it is, the SDK finds no observe.v1 in workerregistered and fails the
  // observer at once with UNSUPPORTED, naming the fix.
  it.skipIf(!has)(`${has ? '' : '[skipped: iii-sdk < 0.25 has no observe] '}iii.observe() against engine 0.23: state error, UNSUPPORTED, "upgrade it to 0.25"`, async () => {
    const { py } = await recordedPython();
    const seen = await callPython<any>(ts, py, 'observe', { source: fn.add, target: py.fn('record') });
    expect(seen).toMatchObject({ supported: true, ready: false, state: 'error', error: { type: 'ObserveRejection', code: 'UNSUPPORTED' } });
    expect(seen.error.message).toMatch(/upgrade it to 0\.25/);
  });

  // With an engine that claims observe.v1, the SDK sends an `observe` frame. Engine 0.23 does not
  // know the type and drops it without a reply (protocol.md §2.1), so no observeresult comes: the
  // observer stays pending and ready() waits for as long as it is allowed to (here 1.5 s). The
  // next engine must answer `observe` (observeresult) or the SDK's caller waits forever.
  it.skipIf(!has)(`${has ? '' : '[skipped: iii-sdk < 0.25 has no observe] '}iii.observe() with an engine that claims observe.v1: an observe frame engine 0.23 drops; the observer stays pending`, async () => {
    const { py, proxy } = await recordedPython(pretend025());
    const seen = await callPython<any>(ts, py, 'observe', { source: fn.add, target: py.fn('record'), wait_ms: 1500 });
    expect(seen).toMatchObject({ supported: true, ready: false, timed_out: true, state: 'pending' });
    const sent = await waitFor(() => proxy.clientFrames().find((f) => f.type === 'observe'), 5000, 'the observe frame');
    expect(sent).toMatchObject({ id: seen.id, source: { function_id: fn.add }, target: { function_id: py.fn('record') } });
    await waitFor(() => proxy.clientFrames().some((f) => f.type === 'unobserve' && f.id === seen.id), 5000, 'the unobserve frame on dispose');
    expect(proxy.frames.filter((f) => f.from === 'engine' && f.text?.includes('"observeresult"'))).toEqual([]);
  });
});

describe("this SDK and what a 0.25 engine adds (frame shapes from iii-sdk 0.25's iii_types.py)", () => {
  // A 0.25 engine lists `features` in workerregistered, acks registerfunction with
  // functionregistered, and stamps `caller` (and `observe_depth`) on the invokefunction frames it
  // delivers. This SDK knows none of them: it must ignore them (protocol.md §2.1, §3.14) and keep
  // working, without a protocol-error.
  it('ignores them and keeps working', async () => {
    const engine = await engineUnderTest();
    const proxy = await startRecordingProxy(engine.url, {
      rewrite: (path, from, text, reply) => {
        if (path !== '/') return text;
        const frame = JSON.parse(text) as Record<string, unknown>;
        if (from === 'engine' && frame.type === 'workerregistered') return JSON.stringify({ ...frame, features: ['observe.v1', 'local-dispatch.v1'] });
        if (from === 'engine' && frame.type === 'invokefunction') {
          return JSON.stringify({ ...frame, caller: { worker_id: 'w', worker_name: 'n', function_id: 'f', invocation_id: 'i' }, observe_depth: 1 });
        }
        if (from === 'client' && frame.type === 'registerfunction') {
          reply(JSON.stringify({ type: 'functionregistered', id: frame.id, namespace: 'default', revision: 1, local_dispatch: true, observers: [] }));
        }
        return text;
      },
    });
    proxies.push(proxy);
    const behind = tsWorker(proxy.url);
    const errors: unknown[] = [];
    behind.on('protocol-error', (e) => errors.push(e));
    const id = unique('ts::behind');
    behind.registerFunction(id, (d: { n: number }) => ({ doubled: d.n * 2 }));
    await behind.ready();
    await listed(ts, [id]);
    expect(await ts.trigger({ function_id: id, payload: { n: 21 }, timeoutMs: 5000 })).toEqual({ doubled: 42 });
    expect(await behind.trigger({ function_id: fn.add, payload: { a: 1, b: 1 }, timeoutMs: 5000 })).toEqual({ sum: 2 });
    expect(proxy.frames.some((f) => f.from === 'engine' && f.text?.includes('"invokefunction"'))).toBe(true);
    expect(errors).toEqual([]);
  });
});

/** The 0.25 engine's part the SDK keys on: `features` in workerregistered, `functionregistered` acks. */
function pretend025(): Rewrite {
  return (path, from, text, reply) => {
    if (path !== '/') return text;
    const frame = JSON.parse(text) as Record<string, unknown>;
    if (from === 'engine' && frame.type === 'workerregistered') return JSON.stringify({ ...frame, features: ['observe.v1', 'local-dispatch.v1'] });
    if (from === 'client' && frame.type === 'registerfunction') {
      reply(JSON.stringify({ type: 'functionregistered', id: frame.id, namespace: 'default', revision: 1, local_dispatch: true, observers: [] }));
    }
    return text;
  };
}
