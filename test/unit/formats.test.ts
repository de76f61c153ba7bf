/**
 * @valibot/to-json-schema is imported only when a valibot format is given
 * (src/registration/formats.ts), a registration waits for it, ready() covers it, and a converter
 * that fails to load is loaded again by the next ready().
 */
import * as v from 'valibot';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fakePlatform, type FakeTransport } from './fakes.js';

const loader = { loads: 0, failNext: false };

/** Counts the imports of the converter; `failNext` makes the next one fail as an offline page would. */
function mockConverter(): void {
  vi.doMock('@valibot/to-json-schema', async () => {
    loader.loads++;
    if (loader.failNext) {
      loader.failNext = false;
      throw new Error('chunk fetch failed (offline)');
    }
    return vi.importActual('@valibot/to-json-schema');
  });
}

/** A client of a freshly imported core, so that no earlier test has loaded the converter. */
async function connected() {
  const { III } = await import('../../src/client.js');
  const fake = fakePlatform();
  const client = new III(fake.platform, 'ws://engine.test:1/', { workerName: 'unit', heartbeat: false });
  const t = fake.last();
  t.open();
  t.register();
  const announce = t.frames[0]!;
  t.receive({ type: 'invocationresult', invocation_id: announce.invocation_id, function_id: 'engine::workers::register', result: {} });
  return { client, t };
}

const registrations = (t: FakeTransport) => t.frames.filter((f) => f.type === 'registerfunction' || f.type === 'registertriggertype');

describe('valibot formats', () => {
  beforeEach(() => {
    loader.loads = 0;
    vi.resetModules();
    mockConverter();
  });

  it('JSON Schema formats never load the converter and are sent at once', async () => {
    const { client, t } = await connected();
    client.registerFunction('plain', () => 1, { request_format: { type: 'object' } });
    client.registerTriggerType({ id: 'tt', call_request_format: { type: 'string' } }, { registerTrigger() {}, unregisterTrigger() {} });
    expect(registrations(t)).toHaveLength(2);
    await client.ready();
    expect(loader.loads).toBe(0);
    await client.shutdown();
  });

  it('a valibot format is converted, then registered; ready() waits for it', async () => {
    const { client, t } = await connected();
    client.registerFunction('typed', () => 1, { request_format: v.object({ n: v.number() }) });
    client.registerTriggerType({ id: 'tt', trigger_request_format: v.object({ every: v.number() }) }, { registerTrigger() {}, unregisterTrigger() {} });
    expect(registrations(t)).toHaveLength(0);
    await client.ready();
    expect(registrations(t)).toEqual([
      expect.objectContaining({ id: 'typed', request_format: expect.objectContaining({ type: 'object' }) }),
      expect.objectContaining({ id: 'tt', trigger_request_format: expect.objectContaining({ type: 'object' }) }),
    ]);
    await client.shutdown();
  });

  it('metadata that cannot be encoded throws at once, converter or not', async () => {
    const { client } = await connected();
    expect(() => client.registerFunction('bad', () => 1, { request_format: v.string(), metadata: { n: 1n } })).toThrow(/not JSON-serializable/);
    void client.shutdown();
  });

  it('a converter that fails to load rejects ready() with a clear error; the next ready() loads it again', async () => {
    loader.failNext = true;
    const { client, t } = await connected();
    const errors: Error[] = [];
    client.on('error', (e) => errors.push(e));
    client.registerFunction('typed', () => 1, { request_format: v.object({ n: v.number() }) });
    await expect(client.ready()).rejects.toThrow(/registerFunction\("typed"\): @valibot\/to-json-schema could not be loaded to convert its valibot schema .*the next ready\(\) loads it again/);
    expect(errors).toHaveLength(1);
    expect(registrations(t)).toHaveLength(0);
    await client.ready();
    expect(registrations(t)).toEqual([expect.objectContaining({ id: 'typed' })]);
    await client.shutdown();
  });
});
