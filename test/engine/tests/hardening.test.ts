// Nothing a client sends stops the engine (§2.1, §3.14): frames that killed the process on
// 096ca80, run against the engine as a child process so that an exit is observable.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnEngine, type EngineProcess } from './engine-process';
import { announcedWorker, connectWorker, SocketPool } from './raw-client';

const pool = new SocketPool();
let engine: EngineProcess;

/** One engine process per describe block, so one failure cannot hide the next. */
function ownEngine(): void {
  beforeAll(async () => {
    engine = await spawnEngine();
  });
  afterAll(async () => {
    await pool.closeAll();
    await engine?.stop();
  });
}

/** The engine process is alive and a fresh pair of workers can still call each other. */
async function engineServes(): Promise<void> {
  expect(engine.exited, `the engine exited; stderr:\n${engine.stderr()}`).toBeUndefined();
  const target = pool.add(await announcedWorker(engine.url));
  const fn = `alive::${randomUUID()}`;
  target.registerFunction(fn);
  target.serve(fn, (d) => ({ echo: d.n }));
  await target.sync();
  const caller = pool.add(await announcedWorker(engine.url));
  expect(await caller.call(fn, { n: 7 }, { timeoutMs: 5000 })).toEqual({ echo: 7 });
}

function nested(depth: number, leaf: unknown = 1): string {
  return '['.repeat(depth) + JSON.stringify(leaf) + ']'.repeat(depth);
}

describe('frames named after Object.prototype members (§2.1: unknown type → dropped)', () => {
  ownEngine();
  for (const type of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf', '__defineGetter__']) {
    it(`drops {"type":"${type}"} and keeps the connection and the engine`, async () => {
      const w = pool.add(await connectWorker(engine.url));
      w.send(`{"type":${JSON.stringify(type)}}`);
      w.send(`{"type":${JSON.stringify(type)},"id":"x","function_id":"y","data":{}}`);
      await w.expectNoFrame(() => true, 100);
      await w.sync(3000);
      await engineServes();
    });
  }

  it('ignores prototype-named keys inside known frames', async () => {
    const w = pool.add(await announcedWorker(engine.url));
    w.send('{"type":"invokefunction","function_id":"__proto__","invocation_id":"' + randomUUID() + '","data":{"__proto__":{"x":1}},"__proto__":{"action":{"type":"enqueue"}}}');
    w.send('{"type":"registerfunction","id":"constructor","__proto__":null,"metadata":{"__proto__":{"internal":true}}}');
    const r = await w.nextType('invocationresult', () => true, 3000);
    expect(r.error.code).toBe('function_not_found');
    await w.sync(3000);
    await engineServes();
  });
});

describe('deeply nested data (§2.1: serde_json stops at depth 128, the frame is dropped)', () => {
  ownEngine();
  it('drops an invokefunction whose data is nested 100,000 levels; the engine keeps serving', async () => {
    const target = pool.add(await announcedWorker(engine.url));
    const fn = `deep::${randomUUID()}`;
    target.registerFunction(fn);
    await target.sync();
    const caller = pool.add(await announcedWorker(engine.url));
    const id = randomUUID();
    caller.send(`{"type":"invokefunction","invocation_id":"${id}","function_id":"${fn}","data":${nested(100_000)}}`);
    await caller.expectNoFrame((f) => f.invocation_id === id, 300);
    await target.expectNoFrame((f) => f.type === 'invokefunction', 1);
    await caller.sync(3000);
    await engineServes();
  });
});
