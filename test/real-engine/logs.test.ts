/**
 * `client.logger` against the real engine's log store (run with III_TEST_ENGINE_URL; skipped with
 * the reason otherwise): what the SDK sends through `engine::log::*` is what `engine::logs::list`
 * of the engine's `iii-observability` worker returns. (The reference engine keeps no log store;
 * test/node/connection.test.ts reads its log records in-process instead.)
 */
import { afterEach, describe, expect, it } from 'vitest';
import { externalOnly } from '../external-engine.js';
import { cleanup, uniqueName, waitFor, worker } from '../node/helpers.js';

interface StoredLog {
  body?: unknown;
  service_name?: unknown;
  severity_text?: unknown;
  attributes?: Record<string, unknown>;
}

afterEach(cleanup);

describe('logger through the real engine', () => {
  it('logger.warn lands in engine::logs::list with its data and the worker name; below logLevel nothing is sent', async (ctx) => {
    const engine = externalOnly(ctx, "the real engine's log store");
    const name = uniqueName('logging');
    const w = worker(engine.url, { workerName: name, logLevel: 'info' });
    await w.ready();
    const marker = `disk almost full ${name}`;
    const original = console.warn;
    console.warn = () => undefined; // keep the mirrored line out of the test output
    try {
      w.logger.warn(marker, { pct: 93 });
      w.logger.debug(`not sent ${name}`);
    } finally {
      console.warn = original;
    }
    const mine = await waitFor(
      async () => {
        const { logs } = (await w.trigger({ function_id: 'engine::logs::list', payload: {} })) as { logs: StoredLog[] };
        const found = logs.filter((l) => String(l.body).includes(name));
        return found.some((l) => l.service_name === name) ? found : undefined;
      },
      5000,
      'the log in the store',
    );
    expect(mine.find((l) => l.service_name === name)).toMatchObject({ body: marker, severity_text: 'WARN', attributes: { pct: 93 } });
    expect(mine.some((l) => String(l.body).includes('not sent'))).toBe(false);
  });
});
