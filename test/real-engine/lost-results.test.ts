/**
 * Every call to a live worker that answers gets its result (run with III_TEST_ENGINE_URL; skipped
 * with the reason otherwise). On the real iii engine 0.23.0-rc.4 this does not hold: some results
 * (about one in 10,000 sequential calls on a quiet machine, one in a few hundred at load 10) never
 * reach their caller, which then only ends at its own timeout. The engine sends the invoke to the worker first and records the pending call after
 * (worker_connections/traits.rs `handle_function`, then invocation/mod.rs `handle_invocation`
 * inserts on `FunctionResult::Deferred`); an answer read in between finds no caller and is dropped
 * (engine/mod.rs, `Message::InvocationResult` arm: "Did not find caller for invocation").
 * docs/real-engine.md, "Results lost by the engine". Both tests fail only when the race hits, so
 * a run may pass; the raw one, whose worker answers within the same tick, hits it more often.
 */
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { IIITimeoutError } from '../../platform/node/index.js';
import { externalOnly } from '../external-engine.js';
import { cleanup, registered, worker } from '../node/helpers.js';

afterEach(cleanup);

/** A raw worker connection: registered (announce sent) and its inbound frames parsed. */
async function rawWorker(url: string, name: string, onFrame: (f: Record<string, any>, ws: WebSocket) => void): Promise<WebSocket> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no workerregistered within 5 s')), 5000);
    ws.on('error', reject);
    ws.on('message', (data) => {
      const f = JSON.parse(String(data)) as Record<string, any>;
      if (f.type === 'workerregistered') {
        clearTimeout(timer);
        ws.send(JSON.stringify({ type: 'invokefunction', function_id: 'engine::workers::register', data: { name, runtime: 'node' }, action: { type: 'void' } }));
        resolve();
      } else onFrame(f, ws);
    });
  });
  return ws;
}

describe('no result is lost by the engine', () => {
  it('raw frames: 40,000 sequential calls, the worker answering at once, all answered', { timeout: 180_000 }, async (ctx) => {
    const engine = externalOnly(ctx, 'probes an engine race');
    const fid = `lost::raw-${process.pid}`;
    let delivered = 0;
    const callee = await rawWorker(engine.url, `lost-callee-${process.pid}`, (f, ws) => {
      if (f.type !== 'invokefunction' || f.function_id !== fid) return;
      delivered++;
      ws.send(JSON.stringify({ type: 'invocationresult', invocation_id: f.invocation_id, function_id: fid, result: f.data }));
    });
    const pending = new Map<string, () => void>();
    const caller = await rawWorker(engine.url, `lost-caller-${process.pid}`, (f) => {
      if (f.type === 'invocationresult') pending.get(f.invocation_id)?.();
    });
    try {
      callee.send(JSON.stringify({ type: 'registerfunction', id: fid }));
      await new Promise((r) => setTimeout(r, 300));
      const lost: Array<{ call: number; deliveredToWorker: boolean }> = [];
      // 3 s is far beyond a loopback answer even on a loaded machine; ten losses are enough.
      for (let i = 0; i < 40_000 && lost.length < 10; i++) {
        const id = randomUUID();
        const before = delivered;
        const answered = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), 3000);
          pending.set(id, () => {
            clearTimeout(timer);
            resolve(true);
          });
          caller.send(JSON.stringify({ type: 'invokefunction', invocation_id: id, function_id: fid, data: { i } }));
        });
        pending.delete(id);
        if (!answered) lost.push({ call: i, deliveredToWorker: delivered > before });
      }
      expect(lost, 'calls the worker answered but whose result never reached the caller').toEqual([]);
    } finally {
      callee.terminate();
      caller.terminate();
    }
  });

  it('this SDK: 20,000 sequential calls to an echo function, all answered', { timeout: 120_000 }, async (ctx) => {
    const engine = externalOnly(ctx, 'probes an engine race');
    const callee = worker(engine.url);
    const caller = worker(engine.url);
    callee.registerFunction('lost::echo', (d: { i: number }) => d.i);
    await registered(caller, 'lost::echo');
    const lost: number[] = [];
    for (let i = 0; i < 20_000 && lost.length < 5; i++) {
      try {
        expect(await caller.trigger({ function_id: 'lost::echo', payload: { i }, timeoutMs: 3000 })).toBe(i);
      } catch (err) {
        if (!(err instanceof IIITimeoutError)) throw err;
        lost.push(i);
      }
    }
    expect(lost, 'calls whose result never came (timed out after 3 s)').toEqual([]);
  });
});
