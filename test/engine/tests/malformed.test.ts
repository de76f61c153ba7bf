// §2.1 framing rules and §3.14 malformed input: undecodable frames are dropped silently and the
// connection stays usable (proved with ping → pong), §8 items 11–12, 14.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useHarness } from './harness';
import { type Frame, type RawWorker } from './raw-client';

const h = useHarness();

/** A worker that serves `mal::fn` (to prove a dropped invoke never reached it) and a caller. */
async function setup() {
  const e = await h.engine();
  const target = await h.announced(e.url, { name: 'target' });
  target.registerFunction('mal::fn');
  await target.sync();
  const w = await h.announced(e.url, { name: 'sender' });
  return { e, target, w };
}

/** Send `frame`, expect no frame back, then prove the connection still works with ping → pong. */
async function dropped(w: RawWorker, frame: Frame | string | Buffer, target?: RawWorker): Promise<void> {
  w.send(frame);
  await w.expectNoFrame(() => true, 150);
  if (target) await target.expectNoFrame((f) => f.type === 'invokefunction', 1);
  expect(w.isOpen).toBe(true);
  await w.sync();
}

describe('malformed frames are dropped silently (§2.1, §3.14)', () => {
  it('drops a text frame that is not JSON', async () => {
    const { w } = await setup();
    await dropped(w, '{not json');
  });

  it('drops a JSON value that is not an object', async () => {
    const { w } = await setup();
    await dropped(w, '[1,2,3]');
    await dropped(w, '"ping"');
  });

  it('drops a frame with an unknown type', async () => {
    const { w } = await setup();
    await dropped(w, { type: 'launchrockets' });
  });

  it('drops a frame without type', async () => {
    const { w } = await setup();
    await dropped(w, { function_id: 'mal::fn', data: {} });
  });

  it('matches type case-sensitively (PING is dropped)', async () => {
    const { w } = await setup();
    await dropped(w, { type: 'PING' });
  });

  it('drops unregistertriggertype (not in the engine enum, §7 item 1)', async () => {
    const { w } = await setup();
    await dropped(w, { type: 'unregistertriggertype', id: 'x' });
  });

  it('skips empty and whitespace-only text frames', async () => {
    const { w } = await setup();
    await dropped(w, '');
    await dropped(w, '   \n ');
  });

  it('drops an invokefunction without function_id', async () => {
    const { w, target } = await setup();
    await dropped(w, { type: 'invokefunction', invocation_id: randomUUID(), data: {} }, target);
  });

  it('drops an invokefunction without data (the key is required)', async () => {
    const { w, target } = await setup();
    await dropped(w, { type: 'invokefunction', invocation_id: randomUUID(), function_id: 'mal::fn' }, target);
  });

  it('drops an invokefunction with a bad UUID invocation_id', async () => {
    const { w, target } = await setup();
    await dropped(w, { type: 'invokefunction', invocation_id: 'not-a-uuid', function_id: 'mal::fn', data: {} }, target);
    await dropped(w, { type: 'invokefunction', invocation_id: 12, function_id: 'mal::fn', data: {} }, target);
  });

  it('drops an invokefunction with an unknown action type', async () => {
    const { w, target } = await setup();
    await dropped(w, { type: 'invokefunction', invocation_id: randomUUID(), function_id: 'mal::fn', data: {}, action: { type: 'later' } }, target);
    await dropped(w, { type: 'invokefunction', invocation_id: randomUUID(), function_id: 'mal::fn', data: {}, action: { type: 'VOID' } }, target);
  });

  it('drops an invokefunction whose enqueue action has no string queue', async () => {
    const { w, target } = await setup();
    await dropped(w, { type: 'invokefunction', invocation_id: randomUUID(), function_id: 'mal::fn', data: {}, action: { type: 'enqueue' } }, target);
    await dropped(w, { type: 'invokefunction', invocation_id: randomUUID(), function_id: 'mal::fn', data: {}, action: { type: 'enqueue', queue: 3 } }, target);
  });

  it('drops an invokefunction whose action is not an object', async () => {
    const { w, target } = await setup();
    await dropped(w, { type: 'invokefunction', invocation_id: randomUUID(), function_id: 'mal::fn', data: {}, action: 'void' }, target);
  });

  it('drops an invokefunction with a non-string namespace', async () => {
    const { w, target } = await setup();
    await dropped(w, { type: 'invokefunction', invocation_id: randomUUID(), function_id: 'mal::fn', data: {}, namespace: 5 }, target);
  });

  it('drops an invokefunction with a non-string function_id', async () => {
    const { w } = await setup();
    await dropped(w, { type: 'invokefunction', invocation_id: randomUUID(), function_id: 42, data: {} });
  });

  it('ignores extra keys inside action', async () => {
    const { w, target } = await setup();
    target.serve('mal::fn', () => 'ok');
    const id = randomUUID();
    w.send({ type: 'invokefunction', invocation_id: id, function_id: 'mal::fn', data: {}, action: { type: 'enqueue', queue: 'q', extra: 1 } });
    const f = await w.nextType('invocationresult', (x) => x.invocation_id === id);
    expect(f.error?.code).toBe('enqueue_error');
  });

  it('ignores unknown fields on a frame', async () => {
    const { w, target } = await setup();
    target.serve('mal::fn', () => 'ok');
    const id = randomUUID();
    w.send({ type: 'invokefunction', invocation_id: id, function_id: 'mal::fn', data: {}, message_type: 'x', bogus: [1] });
    const f = await w.nextType('invocationresult', (x) => x.invocation_id === id);
    expect(f.result).toBe('ok');
  });

  it('drops a registerfunction without id', async () => {
    const { e, w } = await setup();
    await dropped(w, { type: 'registerfunction', description: 'no id' });
    const probe = await h.announced(e.url);
    const rows = await probe.functionRows();
    expect(rows.some((r) => r.description === 'no id')).toBe(false);
  });

  it('drops a registerfunction whose id is not a string', async () => {
    const { w } = await setup();
    await dropped(w, { type: 'registerfunction', id: 7 });
  });

  it('drops a registertrigger without config (the key is required)', async () => {
    const { e, w } = await setup();
    const provider = await h.announced(e.url);
    provider.registerTriggerType('mt');
    await provider.sync();
    await dropped(w, { type: 'registertrigger', id: 'm-1', trigger_type: 'mt', function_id: 'mal::fn' });
    await provider.expectNoFrame((f) => f.type === 'registertrigger', 100);
  });

  it('drops a registertrigger with a non-string namespace', async () => {
    const { e, w } = await setup();
    const provider = await h.announced(e.url);
    provider.registerTriggerType('mt2');
    await provider.sync();
    await dropped(w, { type: 'registertrigger', id: 'm-2', trigger_type: 'mt2', function_id: 'mal::fn', config: {}, namespace: 1 });
    await provider.expectNoFrame((f) => f.type === 'registertrigger', 100);
  });

  it('drops a registertriggertype without description', async () => {
    const { w } = await setup();
    await dropped(w, { type: 'registertriggertype', id: 'nodesc' });
    const r = await w.call('engine::triggers::list', {});
    expect((r.triggers as Frame[]).map((t) => t.id)).not.toContain('nodesc');
  });

  it('drops an invocationresult with a bad invocation_id', async () => {
    const { w } = await setup();
    await dropped(w, { type: 'invocationresult', invocation_id: 'zzz', function_id: 'x', result: 1 });
  });

  it('drops an invocationresult whose error lacks code or message', async () => {
    const { e, target } = await setup();
    const caller = await h.announced(e.url);
    const id = caller.invoke('mal::fn', {});
    const inv = await target.nextInvoke('mal::fn');
    target.send({ type: 'invocationresult', invocation_id: inv.invocation_id, function_id: 'mal::fn', error: { message: 'no code' } });
    await caller.expectNoFrame(() => true, 200);
    target.reply(inv, { result: 'second try' });
    const f = await caller.nextType('invocationresult', (x) => x.invocation_id === id);
    expect(f.result).toBe('second try');
  });

  it('ignores an invocationresult for an unknown invocation', async () => {
    const { w } = await setup();
    await dropped(w, { type: 'invocationresult', invocation_id: randomUUID(), function_id: 'x', result: 1 });
  });

  it('drops a reattach without previous_worker_id', async () => {
    const { w } = await setup();
    await dropped(w, { type: 'reattach', reattach_token: 'x' });
  });

  it('ignores an unregistertrigger for an unknown id', async () => {
    const { w } = await setup();
    await dropped(w, { type: 'unregistertrigger', id: 'unknown-binding' });
  });

  it('drops OTLP/MTRC/LOGS-prefixed binary frames on / without answering', async () => {
    const { w } = await setup();
    for (const p of ['OTLP', 'MTRC', 'LOGS']) await dropped(w, Buffer.from(`${p}{"resourceSpans":[]}`));
  });

  it('drops a binary frame that is neither telemetry nor JSON', async () => {
    const { w } = await setup();
    await dropped(w, Buffer.from([0xff, 0x00, 0x13]));
  });

  it('drops a frame with a repeated type key (§8 item 14)', async () => {
    const { w } = await setup();
    await dropped(w, '{"type":"ping","type":"ping"}');
  });

  it('drops a frame with a repeated known field (§8 item 14)', async () => {
    const { w, target } = await setup();
    const id = randomUUID();
    await dropped(w, `{"type":"invokefunction","invocation_id":"${id}","function_id":"mal::fn","function_id":"mal::fn","data":{}}`, target);
  });

  it('ignores repeated unknown keys and lets the last duplicate win inside data (§8 item 14)', async () => {
    const { w, target } = await setup();
    w.send('{"type":"ping","x":1,"x":2}');
    await w.nextType('pong');
    const id = randomUUID();
    w.send(`{"type":"invokefunction","invocation_id":"${id}","function_id":"mal::fn","data":{"k":1,"k":2}}`);
    const inv = await target.nextInvoke('mal::fn');
    expect(inv.data.k).toBe(2);
  });

  it('accepts a frame of just under 16 MiB', async () => {
    const { w } = await setup();
    w.send(JSON.stringify({ type: 'ping', pad: 'x'.repeat(15 * 1024 * 1024) }));
    await w.nextType('pong', () => true, 5000);
  });

  it('ends the connection without a Close frame for a frame above 16 MiB (§2.1, §8 [inferred])', async () => {
    const { w } = await setup();
    w.send(JSON.stringify({ type: 'ping', pad: 'x'.repeat(16 * 1024 * 1024 + 16) }));
    const c = await w.waitClose(3000);
    expect(c.code).toBe(1006);
    expect(w.received.some((m) => m.json?.type === 'pong')).toBe(false);
  });

  it('accepts the invocation_id spellings of the uuid crate and answers lower-case hyphenated (§8 item 11)', async () => {
    const { w } = await setup();
    const id = randomUUID();
    for (const spelled of [id.toUpperCase(), `{${id}}`, `urn:uuid:${id}`, id.replace(/-/g, '')]) {
      w.send({ type: 'invokefunction', invocation_id: spelled, function_id: 'nope::nope', data: {} });
      const f = await w.nextType('invocationresult');
      expect(f.invocation_id).toBe(id);
      expect(f.error?.code).toBe('function_not_found');
    }
  });

  // serde_json's default recursion limit (128 levels, the frame's own object included) [inferred].
  it('delivers data nested to depth 127 (the frame object included) and drops depth 128', async () => {
    const { w, target } = await setup();
    const nest = (levels: number): string => '['.repeat(levels) + '"leaf"' + ']'.repeat(levels);
    const id = randomUUID();
    w.send(`{"type":"invokefunction","invocation_id":"${id}","function_id":"mal::fn","data":${nest(126)}}`);
    const inv = await target.nextInvoke('mal::fn');
    expect(JSON.stringify(inv.data)).toBe(nest(126));
    await dropped(w, `{"type":"invokefunction","invocation_id":"${randomUUID()}","function_id":"mal::fn","data":${nest(127)}}`, target);
    await dropped(w, `{"type":"invokefunction","function_id":"mal::fn","data":{"a":"x","b":${nest(127)}}}`, target);
  });

  it('counts brackets inside strings (escaped quotes included) as text, not nesting', async () => {
    const { w, target } = await setup();
    // In the frame's text: a backslash and a quote, both escaped, then 1000 brackets.
    const s = `\\"${'['.repeat(500)}"${'{'.repeat(500)}`;
    w.send(JSON.stringify({ type: 'invokefunction', function_id: 'mal::fn', action: { type: 'void' }, data: { s } }));
    const inv = await target.nextInvoke('mal::fn');
    expect(inv.data.s).toBe(s);
  });
});
