/**
 * The conformance suite, written once and run unchanged in Node, headless Chromium,
 * Deno, workerd and Bun against the reference engine, or an external engine such as the real
 * iii engine (III_TEST_ENGINE_URL, docs/real-engine.md).
 * It imports nothing at runtime but the tiny assert helper and valibot (to build a request
 * schema, as users do): the SDK module under test (the built entry for that runtime, i.e.
 * what users get) arrives in the context.
 */
import * as v from 'valibot';
import * as assert from './assert.js';
import { HELPER } from './helper-ids.js';
import { runSecretsScenario } from './secrets.js';

/** What the Node orchestrator hands to every runtime (as JSON). */
export interface ConformanceConfig {
  /** Trusted listener (the reference engine has the queue `default`). */
  engineUrl: string;
  /** RBAC listener whose auth function is served by the orchestrator's helper worker. */
  rbacUrl: string;
  /** HTTP control endpoint of the orchestrator (`POST /restart`). */
  controlUrl: string;
  /**
   * What this engine cannot offer, each with the reason printed beside the skipped cases: against
   * an external engine the orchestrator cannot restart it (`control`), may have no RBAC listener
   * (`rbac`) or no queue provider (`queue`).
   */
  unavailable?: Partial<Record<Need, string>>;
}

/** What a case needs beyond a trusted listener. */
export type Need = 'control' | 'rbac' | 'queue';

export interface ConformanceContext {
  runtime: string;
  sdk: any;
  config: ConformanceConfig;
  control: { restart(): Promise<void>; stop(): Promise<void>; start(): Promise<void> };
  /** Registers a cleanup run after the case, pass or fail. */
  defer(fn: () => unknown): void;
}

export interface ConformanceCase {
  name: string;
  /** Runtimes the case applies to (default: all). */
  only?: string[];
  /** Per-case bound in ms (default 15000). */
  timeoutMs?: number;
  /** Engine features the case needs; it is skipped (with the reason) where one is unavailable. */
  needs?: Need[];
  run(ctx: ConformanceContext): Promise<void>;
}

export interface CaseResult {
  name: string;
  ok: boolean;
  ms: number;
  error?: string;
  /** Set when the case did not run: the reason (then `ok` is true and counts as skipped). */
  skipped?: string;
}

// ---------------------------------------------------------------- helpers

/** The runtime names `Platform.name` reports (and the worker announces, §1.2). */
const RUNTIME_NAMES: Record<string, string> = { node: 'node', browser: 'browser', deno: 'deno', workers: 'workers', bun: 'bun' };

function uid(): string {
  return crypto.randomUUID().slice(0, 8);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A connected worker from the SDK under test; shut down after the case. */
async function connect(ctx: ConformanceContext, url = ctx.config.engineUrl, options: Record<string, unknown> = {}): Promise<any> {
  const iii = ctx.sdk.registerWorker(url, {
    workerName: `conformance-${ctx.runtime}-${uid()}`,
    // Fast redial: the restart case waits for it, and loopback has nothing to back off from.
    reconnect: { initialDelayMs: 50, maxDelayMs: 300, minUptimeMs: 0 },
    invocationTimeoutMs: 8000,
    logLevel: 'error',
    ...options,
  });
  ctx.defer(() => iii.shutdown());
  await assert.withTimeout(iii.ready(), 8000, 'worker ready()');
  return iii;
}

/** Another connection (the Node helper, a peer) only sees a function once the engine has it. */
async function visible(iii: any, functionId: string): Promise<void> {
  await assert.eventually(
    async () => ((await iii.listFunctions()) as Array<{ function_id?: string; id?: string }>).some((f) => (f.function_id ?? f.id) === functionId),
    5000,
    `function ${functionId} to be listed`,
  );
}

/** The engine adds `_caller_worker_id` to object payloads (§3.3); compare without it. */
function payloadOf(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const { _caller_worker_id: _ignored, ...rest } = value as Record<string, unknown>;
  return rest;
}

function bytesOf(n: number, seed: number): { bytes: Uint8Array; sum: number } {
  const bytes = new Uint8Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    bytes[i] = (i * 13 + seed) % 256;
    sum = (sum + bytes[i]!) % 65536;
  }
  return { bytes, sum };
}

// ---------------------------------------------------------------- cases

export const cases: ConformanceCase[] = [
  {
    name: 'connects and announces its runtime',
    async run(ctx) {
      const name = `announce-${ctx.runtime}-${uid()}`;
      const iii = await connect(ctx, undefined, { workerName: name });
      assert.equal(iii.connectionState, 'connected', 'connectionState');
      // engine::workers::info rather than ::list: the engine leaves workers without a pid
      // (browser, workerd) out of the list (protocol.md §5).
      const info = await assert.eventually(
        () =>
          iii.trigger({ function_id: 'engine::workers::info', payload: { name } }).catch((e: unknown) => {
            if ((e as { code?: string }).code === 'NOT_FOUND') return undefined;
            throw e;
          }),
        5000,
        'engine::workers::info to know the worker',
      );
      const worker = (info as { worker: { runtime: string | null; name: string } }).worker;
      assert.equal(worker.name, name, 'announced name');
      assert.equal(worker.runtime, RUNTIME_NAMES[ctx.runtime], 'announced runtime');
    },
  },
  {
    name: 'calls a function of the Node helper worker',
    async run(ctx) {
      const iii = await connect(ctx);
      const payload = { text: 'héllo ✓', n: 42, nested: { list: [1, 2, 3] } };
      assert.deepEqual(await iii.trigger({ function_id: HELPER.echo, payload }), payload, 'echo');
    },
  },
  {
    name: 'serves a call from the Node helper worker',
    async run(ctx) {
      const iii = await connect(ctx);
      const id = `rt::${uid()}::double`;
      iii.registerFunction(id, (data: { n: number }) => ({ n: data.n * 2, runtime: ctx.runtime }));
      await visible(iii, id);
      const result = await iii.trigger({ function_id: HELPER.call, payload: { function_id: id, payload: { n: 21 } } });
      assert.deepEqual(result, { n: 42, runtime: ctx.runtime }, 'helper → runtime result');
    },
  },
  {
    name: 'calls a peer worker in the same runtime',
    async run(ctx) {
      const a = await connect(ctx);
      const b = await connect(ctx);
      const id = `rt::${uid()}::peer`;
      let caller: string | undefined;
      a.registerFunction(id, (data: { s: string }, _meta: unknown, context: { callerWorkerId?: string }) => {
        caller = context?.callerWorkerId;
        return data.s.toUpperCase();
      });
      await visible(b, id);
      assert.equal(await b.trigger({ function_id: id, payload: { s: 'peer' } }), 'PEER', 'peer result');
      assert.equal(caller, b.workerId, 'the engine injects the caller worker id (§3.3)');
    },
  },
  {
    name: 'a valibot request schema is announced as JSON Schema and validates inbound payloads',
    async run(ctx) {
      const iii = await connect(ctx);
      const id = `rt::${uid()}::typed`;
      let ran = 0;
      iii.registerFunction(
        id,
        (d: { n: number }) => {
          ran++;
          return d.n * 2;
        },
        { request_format: v.object({ n: v.number() }) },
      );
      await visible(iii, id);
      // engine::functions::info surfaces the stored request_format as `request_schema` (§5).
      const info = (await iii.trigger({ function_id: 'engine::functions::info', payload: { function_id: id } })) as {
        request_schema?: { type?: string; properties?: Record<string, unknown> };
      };
      assert.equal(info?.request_schema?.type, 'object', 'request_format converted to JSON Schema');
      assert.ok(info?.request_schema?.properties?.n, 'request_schema.properties.n');
      assert.equal(await iii.trigger({ function_id: id, payload: { n: 4 } }), 8, 'valid payload');
      const err = await assert.rejects(iii.trigger({ function_id: id, payload: { n: 'four' } }));
      assert.instanceOf(err, ctx.sdk.IIIInvocationError);
      assert.equal(err.code, 'VALIDATION_FAILED', 'code');
      assert.equal(ran, 1, 'the handler did not run for the invalid payload');
    },
  },
  {
    name: 'void action resolves undefined and still runs the handler',
    async run(ctx) {
      const iii = await connect(ctx);
      const id = `rt::${uid()}::void`;
      const seen: unknown[] = [];
      iii.registerFunction(id, (data: unknown) => {
        seen.push(data);
        return 'ignored';
      });
      await visible(iii, id);
      const result = await iii.trigger({ function_id: id, payload: { v: 1 }, action: ctx.sdk.TriggerAction.Void() });
      assert.equal(result, undefined, 'void result');
      await assert.eventually(() => seen.length === 1, 5000, 'the void call to run');
      assert.deepEqual(payloadOf(seen[0]), { v: 1 }, 'void payload');
    },
  },
  {
    name: 'enqueue resolves a receipt and the queue delivers',
    needs: ['queue'],
    async run(ctx) {
      const iii = await connect(ctx);
      const id = `rt::${uid()}::job`;
      const seen: unknown[] = [];
      iii.registerFunction(id, (data: unknown) => {
        seen.push(data);
        return null;
      });
      await visible(iii, id);
      const receipt = await iii.trigger({ function_id: id, payload: { job: 7 }, action: ctx.sdk.TriggerAction.Enqueue({ queue: 'default' }) });
      assert.equal(typeof receipt?.messageReceiptId, 'string', 'messageReceiptId');
      await assert.eventually(() => seen.length >= 1, 8000, 'the queued job to run');
      assert.deepEqual(payloadOf(seen[0]), { job: 7 }, 'queued payload');
    },
  },
  {
    name: 'enqueue to an unknown queue rejects with enqueue_error',
    async run(ctx) {
      const iii = await connect(ctx);
      const err = await assert.rejects(
        iii.trigger({ function_id: HELPER.echo, payload: {}, action: ctx.sdk.TriggerAction.Enqueue({ queue: `missing-${uid()}` }) }),
      );
      assert.instanceOf(err, ctx.sdk.IIIInvocationError);
      assert.equal(err.code, 'enqueue_error', 'code');
    },
  },
  {
    name: 'a throwing handler rejects the caller with IIIInvocationError',
    async run(ctx) {
      // Its handler fails on purpose; the worker would log that failure, stack and all, at `error`.
      const iii = await connect(ctx, undefined, { logLevel: 'silent' });
      const id = `rt::${uid()}::throws`;
      iii.registerFunction(id, () => {
        throw new Error(`boom from ${ctx.runtime}`);
      });
      await visible(iii, id);
      const own = await assert.rejects(iii.trigger({ function_id: id, payload: {} }));
      assert.instanceOf(own, ctx.sdk.IIIInvocationError);
      assert.ok(String(own.message).includes(`boom from ${ctx.runtime}`), `message carries the handler's error: ${own.message}`);
      assert.equal(own.function_id, id, 'function_id');
      // And across runtimes: a Node handler's error reaches this runtime.
      const remote = await assert.rejects(iii.trigger({ function_id: HELPER.fail, payload: { message: 'node says no' } }));
      assert.instanceOf(remote, ctx.sdk.IIIInvocationError);
      assert.ok(String(remote.message).includes('node says no'), `remote message: ${remote.message}`);
      // A missing function is waited for until the call's timeout (retryUndelivered, issue 10 item 2).
      const missing = await assert.rejects(iii.trigger({ function_id: `rt::${uid()}::missing`, payload: {}, timeoutMs: 800 }));
      assert.instanceOf(missing, ctx.sdk.IIIInvocationError);
      assert.equal(missing.code, 'function_not_found', 'code of a missing function');
      assert.ok(/never became available within 800 ms/.test(String(missing.message)), `message of a missing function: ${missing.message}`);
    },
  },
  {
    name: 'RBAC: a forbidden function rejects with IIIForbiddenError',
    needs: ['rbac'],
    async run(ctx) {
      const iii = await connect(ctx, `${ctx.config.rbacUrl}/?token=ok-${ctx.runtime}`);
      assert.deepEqual(await iii.trigger({ function_id: HELPER.echo, payload: { ok: true } }), { ok: true }, 'allowed call');
      const err = await assert.rejects(iii.trigger({ function_id: HELPER.secret, payload: {} }));
      assert.instanceOf(err, ctx.sdk.IIIForbiddenError);
      assert.instanceOf(err, ctx.sdk.IIIInvocationError);
      assert.equal(err.code, 'FORBIDDEN', 'code');
    },
  },
  {
    name: 'RBAC: refused credentials surface as AUTH_ERROR',
    needs: ['rbac'],
    async run(ctx) {
      const iii = ctx.sdk.registerWorker(`${ctx.config.rbacUrl}/?token=deny`, {
        workerName: `conformance-${ctx.runtime}-${uid()}`,
        onAuthError: 'stop',
        logLevel: 'silent',
      });
      ctx.defer(() => iii.shutdown());
      const err = await assert.withTimeout(assert.rejects(iii.ready()), 8000, 'ready() to reject');
      assert.instanceOf(err, ctx.sdk.IIIInvocationError);
      assert.equal(err.code, 'AUTH_ERROR', 'code');
      assert.equal(iii.connectionState, 'failed', 'state after auth refusal with onAuthError "stop"');
    },
  },
  {
    // With no retry, the first refusal must be reported as AUTH_ERROR, not as a lost connection:
    // the `error` frame has to reach the SDK before the engine drops the socket (§1.3). Three
    // workers in a row; docs/real-engine.md (divergence "AUTH_ERROR frame lost") has the why.
    name: 'RBAC: the first refusal is reported as AUTH_ERROR, not as a lost connection',
    needs: ['rbac'],
    async run(ctx) {
      for (let attempt = 1; attempt <= 3; attempt++) {
        const iii = ctx.sdk.registerWorker(`${ctx.config.rbacUrl}/?token=deny`, {
          workerName: `conformance-${ctx.runtime}-${uid()}`,
          onAuthError: 'stop',
          reconnect: { maxRetries: 0 },
          logLevel: 'silent',
        });
        ctx.defer(() => iii.shutdown());
        const err = await assert.withTimeout(assert.rejects(iii.ready()), 4000, `ready() to reject (attempt ${attempt})`);
        assert.instanceOf(err, ctx.sdk.IIIInvocationError);
        assert.equal(err.code, 'AUTH_ERROR', `code (attempt ${attempt}; ${err.message})`);
      }
    },
  },
  {
    name: 'upgrade headers reach the engine, or are refused clearly where the runtime cannot send them',
    needs: ['rbac'],
    async run(ctx) {
      const url = `${ctx.config.rbacUrl}/?token=header-check`;
      const options = { headers: { 'x-conformance-token': 'ok' } };
      if (ctx.runtime === 'browser') {
        let thrown: unknown;
        try {
          ctx.sdk.registerWorker(url, options);
        } catch (e) {
          thrown = e;
        }
        assert.instanceOf(thrown, TypeError, 'registerWorker with headers in a browser');
        assert.ok(/query/i.test((thrown as Error).message), `the error tells the user to use the URL query: ${(thrown as Error).message}`);
        return;
      }
      const iii = await connect(ctx, url, options);
      assert.deepEqual(await iii.trigger({ function_id: HELPER.echo, payload: 'h' }), 'h', 'call after header auth');
    },
  },
  {
    name: 'a call past its timeoutMs rejects with IIITimeoutError',
    async run(ctx) {
      const iii = await connect(ctx);
      const start = Date.now();
      const err = await assert.rejects(iii.trigger({ function_id: HELPER.sleep, payload: { ms: 3000 }, timeoutMs: 200 }));
      assert.instanceOf(err, ctx.sdk.IIITimeoutError);
      assert.instanceOf(err, ctx.sdk.IIIInvocationError);
      assert.equal(err.code, 'TIMEOUT', 'code');
      assert.ok(Date.now() - start < 2500, `rejected after ${Date.now() - start} ms`);
    },
  },
  {
    name: 'an AbortSignal aborts a call with signal.reason',
    async run(ctx) {
      const iii = await connect(ctx);
      const controller = new AbortController();
      const reason = new Error(`aborted by ${ctx.runtime}`);
      const pending = assert.rejects(iii.trigger({ function_id: HELPER.sleep, payload: { ms: 3000 }, signal: controller.signal }));
      await sleep(50);
      controller.abort(reason);
      const err = await assert.withTimeout(pending, 1000, 'the aborted call');
      assert.equal(err, reason, 'rejects with signal.reason itself');
      const pre = new AbortController();
      pre.abort(reason);
      assert.equal(await assert.rejects(iii.trigger({ function_id: HELPER.echo, payload: 1, signal: pre.signal })), reason, 'pre-aborted');
      // The client stays usable.
      assert.equal(await iii.trigger({ function_id: HELPER.echo, payload: 2 }), 2, 'call after abort');
    },
  },
  {
    name: 'trigger types: provider, binding and firing',
    async run(ctx) {
      const iii = await connect(ctx);
      const type = `rt-type-${uid()}`;
      const target = `rt::${uid()}::on-fire`;
      const bindings: Array<{ id: string; function_id: string; config: unknown }> = [];
      const removed: string[] = [];
      iii.registerTriggerType(
        { id: type, description: `conformance trigger type (${ctx.runtime})` },
        {
          registerTrigger: (b: { id: string; function_id: string; config: unknown }) => {
            bindings.push(b);
          },
          unregisterTrigger: (b: { id: string }) => {
            removed.push(b.id);
          },
        },
      );
      const fired: unknown[] = [];
      iii.registerFunction(target, (data: unknown) => {
        fired.push(data);
        return { handled: true };
      });
      const trigger = iii.registerTrigger({ type, function_id: target, config: { every: 'tick', n: 3 } });
      const binding = await assert.eventually(() => bindings.find((b) => b.id === trigger.id), 5000, 'the provider to get the binding');
      assert.equal(binding.function_id, target, 'binding.function_id');
      assert.deepEqual(binding.config, { every: 'tick', n: 3 }, 'binding.config');
      // The provider fires the binding by calling its function.
      const result = await iii.trigger({ function_id: binding.function_id, payload: { tick: 1 } });
      assert.deepEqual(result, { handled: true }, 'fired result');
      assert.deepEqual(fired.map(payloadOf), [{ tick: 1 }], 'fired payloads');
      trigger.unregister();
      await assert.eventually(() => removed.includes(trigger.id), 5000, 'the provider to see the binding removed');
    },
  },
  {
    name: 'channels: bytes written to writable and a text message reach a Node reader',
    async run(ctx) {
      const iii = await connect(ctx);
      const channel = await iii.createChannel();
      const { bytes, sum } = bytesOf(200_000, 5);
      const reading = iii.trigger({ function_id: HELPER.readChannel, payload: { reader: channel.readerRef }, timeoutMs: 15000 });
      // Observed now so a failure while this side is busy is not an unhandled rejection.
      reading.catch(() => undefined);
      await channel.writer.sendMessage(`hello from ${ctx.runtime}`);
      const w = channel.writer.writable.getWriter();
      for (let off = 0; off < bytes.length; off += 70_000) await w.write(bytes.subarray(off, off + 70_000));
      await w.close();
      const got = await reading;
      assert.deepEqual(got, { bytes: bytes.length, sum, messages: [`hello from ${ctx.runtime}`] }, 'what the Node reader saw');
    },
  },
  {
    name: 'channels: a Node writer streams bytes and a text message into readable',
    async run(ctx) {
      const iii = await connect(ctx);
      const channel = await iii.createChannel();
      const messages: string[] = [];
      channel.reader.onMessage((m: string) => messages.push(m));
      const writing = iii.trigger({
        function_id: HELPER.writeChannel,
        payload: { writer: channel.writerRef, bytes: 150_000, message: 'hi from node' },
        timeoutMs: 15000,
      });
      // Observed now so a failure while this side is busy is not an unhandled rejection.
      writing.catch(() => undefined);
      const r = channel.reader.readable.getReader();
      let n = 0;
      let sum = 0;
      for (;;) {
        const { value, done } = await r.read();
        if (done) break;
        assert.ok(value instanceof Uint8Array, 'chunks are Uint8Array');
        n += value.byteLength;
        for (const b of value) sum = (sum + b) % 65536;
      }
      const sent = await writing;
      assert.deepEqual({ bytes: n, sum }, sent, 'bytes and checksum');
      assert.deepEqual(messages, ['hi from node'], 'text messages');
    },
  },
  {
    name: 'reconnects after the engine restarts and replays its registrations',
    needs: ['control'],
    timeoutMs: 25000,
    async run(ctx) {
      const iii = await connect(ctx);
      const id = `rt::${uid()}::survivor`;
      iii.registerFunction(id, (d: { n: number }) => d.n + 1);
      await visible(iii, id);
      const firstId = iii.workerId;
      const states: string[] = [];
      const off = iii.addConnectionStateListener((state: string) => states.push(state));
      ctx.defer(off);
      await ctx.control.restart();
      await assert.eventually(() => states.includes('reconnecting') || states.includes('connecting'), 5000, 'the drop to be noticed');
      await assert.withTimeout(iii.ready(), 10000, 'ready() after the restart');
      await assert.eventually(() => iii.connectionState === 'connected', 10000, 'connected again');
      assert.ok(iii.workerId && iii.workerId !== firstId, 'a new worker id from the new engine');
      await visible(iii, id);
      const viaHelper = await assert.eventually(
        () => iii.trigger({ function_id: HELPER.call, payload: { function_id: id, payload: { n: 1 } } }),
        8000,
        'the helper (also reconnected) to reach the replayed function',
      );
      assert.equal(viaHelper, 2, 'replayed function answers');
    },
  },
  {
    name: 'shutdown rejects a pending call with SHUTDOWN',
    async run(ctx) {
      const iii = await connect(ctx);
      // The rejection is observed from the start: it happens during shutdown().
      const pending = assert.rejects(iii.trigger({ function_id: HELPER.sleep, payload: { ms: 3000 } }));
      await sleep(50);
      await assert.withTimeout(iii.shutdown(), 3000, 'shutdown()');
      const err = await assert.withTimeout(pending, 1000, 'the pending call');
      assert.instanceOf(err, ctx.sdk.IIIInvocationError);
      assert.equal(err.code, 'SHUTDOWN', 'code');
      assert.equal(iii.connectionState, 'disconnected', 'state after shutdown');
    },
  },
  {
    name: 'a call in flight when the engine goes away rejects with CONNECTION_LOST',
    needs: ['control'],
    timeoutMs: 20000,
    async run(ctx) {
      const iii = await connect(ctx);
      ctx.defer(() => ctx.control.start());
      const pending = assert.rejects(iii.trigger({ function_id: HELPER.sleep, payload: { ms: 5000 }, timeoutMs: 10000 }));
      await sleep(100);
      const start = Date.now();
      await ctx.control.stop();
      const err = await assert.withTimeout(pending, 3000, 'the in-flight call');
      assert.instanceOf(err, ctx.sdk.IIIInvocationError);
      assert.equal(err.code, 'CONNECTION_LOST', 'code');
      assert.ok(Date.now() - start < 3000, 'rejected at once, not at its timeout');
      await ctx.control.start();
      await assert.withTimeout(iii.ready(), 8000, 'ready() after the engine is back');
    },
  },
  {
    name: 'channels: 4 MiB through writable with backpressure, in order',
    timeoutMs: 30000,
    async run(ctx) {
      const iii = await connect(ctx);
      // A small engine buffer (messages) makes the writer wait on the reader (§4.4).
      const channel = await iii.createChannel(4);
      const total = 4 * 1024 * 1024;
      const chunk = 256 * 1024;
      let sum = 0;
      const reading = iii.trigger({ function_id: HELPER.readChannel, payload: { reader: channel.readerRef }, timeoutMs: 25000 });
      // Observed now so a failure while this side is busy is not an unhandled rejection.
      reading.catch(() => undefined);
      const w = channel.writer.writable.getWriter();
      for (let off = 0; off < total; off += chunk) {
        const { bytes, sum: s } = bytesOf(chunk, off / chunk);
        sum = (sum + s) % 65536;
        await w.ready;
        await w.write(bytes);
      }
      await w.close();
      const got = await reading;
      assert.deepEqual(got, { bytes: total, sum, messages: [] }, 'what the Node reader saw');
    },
  },
  {
    // Issue 10 item 3: the end mark (docs/channels.md "End of stream").
    name: 'channels: a writer that dies mid-stream makes readable error CHANNEL_TRUNCATED, never end cleanly',
    async run(ctx) {
      const iii = await connect(ctx);
      const channel = await iii.createChannel();
      const writing = iii.trigger({ function_id: HELPER.truncateChannel, payload: { ref: JSON.stringify(channel.writerRef), bytes: 100_000 }, timeoutMs: 10000 });
      writing.catch(() => undefined);
      const r = channel.reader.readable.getReader();
      let n = 0;
      const outcome = await assert.withTimeout(
        (async () => {
          for (;;) {
            const { value, done } = await r.read();
            if (done) return `ended cleanly after ${n} bytes`;
            n += value.byteLength;
          }
        })().catch((e: unknown) => e),
        8000,
        'the reader to end or error',
      );
      await writing;
      assert.instanceOf(outcome, ctx.sdk.ChannelError);
      assert.equal((outcome as { code?: string }).code, 'CHANNEL_TRUNCATED', 'code');
    },
  },
  {
    // Issue 10 item 1: a writer waiting under backpressure learns that its reader went away.
    name: 'channels: write() rejects CHANNEL_CLOSED when the reader cancels while it waits',
    timeoutMs: 20000,
    async run(ctx) {
      const iii = await connect(ctx);
      const channel = await iii.createChannel(1);
      const cancelling = iii.trigger({ function_id: HELPER.cancelChannel, payload: { ref: JSON.stringify(channel.readerRef) }, timeoutMs: 10000 });
      cancelling.catch(() => undefined);
      const w = channel.writer.writable.getWriter();
      const chunk = new Uint8Array(256 * 1024);
      const outcome = await assert.withTimeout(
        (async () => {
          for (let i = 0; i < 4000; i++) await w.write(chunk);
          return 'every write succeeded';
        })().catch((e: unknown) => e),
        12000,
        'a write to reject',
      );
      await cancelling;
      assert.instanceOf(outcome, ctx.sdk.ChannelError);
      assert.equal((outcome as { code?: string }).code, 'CHANNEL_CLOSED', 'code');
    },
  },
  {
    // Issue 10 item 8: a `?token=` on the address, upgrade header values and channel access keys are secrets.
    name: 'secrets: no query token, header value or channel access key in any error, cause, event, console line or inspection',
    timeoutMs: 30000,
    async run(ctx) {
      const report = await runSecretsScenario(ctx.sdk, ctx.config, ctx.runtime);
      assert.ok(report.outputs > 20, `the scenario recorded only ${report.outputs} outputs`);
      if (report.occurrences > 0) {
        // One line per leaking output (its first rendering), not every rendering of the same one.
        const byOutput = new Map<string, string>();
        for (const f of report.findings) {
          const output = f.where.split(' → ')[0]!;
          if (!byOutput.has(output)) byOutput.set(output, `${f.where}: …${f.excerpt}…`);
        }
        const where = [...byOutput.values()].slice(0, 8);
        throw new assert.AssertionError(
          `found ${report.occurrences} occurrences of the secrets in ${report.leaks} of ${report.outputs} outputs; first: ${where.join(' | ')}`,
        );
      }
    },
  },
  {
    name: 'browser: an `online` event redials at once instead of waiting out the backoff',
    needs: ['control'],
    only: ['browser'],
    timeoutMs: 25000,
    async run(ctx) {
      const iii = await connect(ctx, undefined, {
        // A backoff far longer than the case waits: only the resume hint can reconnect in time.
        reconnect: { initialDelayMs: 20000, maxDelayMs: 20000, jitter: 0, minUptimeMs: 0 },
      });
      const states: string[] = [];
      ctx.defer(iii.addConnectionStateListener((state: string) => states.push(state)));
      ctx.defer(() => ctx.control.start());
      await ctx.control.stop();
      await assert.eventually(() => states.includes('reconnecting'), 5000, 'the drop to be noticed');
      // Let any immediate first retry fail against the stopped engine.
      await sleep(500);
      await ctx.control.start();
      await sleep(200);
      assert.ok(iii.connectionState !== 'connected', `still waiting out the backoff (state ${iii.connectionState})`);
      const start = Date.now();
      globalThis.dispatchEvent(new Event('online'));
      await assert.eventually(() => iii.connectionState === 'connected', 4000, 'connected after the online event');
      assert.ok(Date.now() - start < 4000, 'reconnected well before the 20 s backoff');
    },
  },
];

/** The cases that apply to `runtime`. */
export function casesFor(runtime: string): ConformanceCase[] {
  return cases.filter((c) => !c.only || c.only.includes(runtime));
}

export function caseNames(runtime: string): string[] {
  return casesFor(runtime).map((c) => c.name);
}

/** Builds the context from the SDK module and the orchestrator's config. */
export function createContext(runtime: string, sdk: unknown, config: ConformanceConfig): ConformanceContext & { cleanup(): Promise<void> } {
  let deferred: Array<() => unknown> = [];
  const post = async (operation: string) => {
    const res = await fetch(`${config.controlUrl}/${operation}`, { method: 'POST' });
    const body = await res.text();
    if (!res.ok) throw new Error(`${operation} failed: HTTP ${res.status} ${body}`);
  };
  return {
    runtime,
    sdk,
    config,
    control: {
      restart: () => post('restart'),
      stop: () => post('stop'),
      start: () => post('start'),
    },
    defer(fn) {
      deferred.push(fn);
    },
    async cleanup() {
      const fns = deferred.reverse();
      deferred = [];
      for (const fn of fns) {
        try {
          await assert.withTimeout(Promise.resolve().then(fn), 5000, 'cleanup');
        } catch {
          // cleanup failures must not mask the case's own outcome
        }
      }
    },
  };
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return `${error.name}${code !== undefined ? ` [${String(code)}]` : ''}: ${error.message}`;
  }
  return String(error);
}

/** Runs one case by name with its own context and bound. */
export async function runCase(runtime: string, sdk: unknown, config: ConformanceConfig, name: string): Promise<CaseResult> {
  const c = cases.find((x) => x.name === name);
  const start = Date.now();
  if (!c) return { name, ok: false, ms: 0, error: `no such case: ${name}` };
  const missing = (c.needs ?? []).map((need) => config.unavailable?.[need]).find((reason) => reason !== undefined);
  if (missing !== undefined) return { name, ok: true, ms: 0, skipped: missing };
  const ctx = createContext(runtime, sdk, config);
  try {
    await assert.withTimeout(c.run(ctx), c.timeoutMs ?? 15000, `case "${name}"`);
    return { name, ok: true, ms: Date.now() - start };
  } catch (error) {
    return { name, ok: false, ms: Date.now() - start, error: describe(error) };
  } finally {
    await ctx.cleanup();
  }
}

/** Runs every case in order, reporting each as it finishes. */
export async function runAll(
  runtime: string,
  sdk: unknown,
  config: ConformanceConfig,
  onResult: (r: CaseResult) => void,
  filter?: (name: string) => boolean,
): Promise<CaseResult[]> {
  const out: CaseResult[] = [];
  for (const c of casesFor(runtime)) {
    if (filter && !filter(c.name)) continue;
    const r = await runCase(runtime, sdk, config, c.name);
    out.push(r);
    onResult(r);
  }
  return out;
}
