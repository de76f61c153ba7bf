// Interop: the official iii-sdk 0.22.1 with OpenTelemetry on, logging through its helpers'
// `Logger`: the records leave as binary `LOGS` frames on a second socket, `/otel` (§2.1, §2.3
// "Telemetry"), and the engine stores them for `engine::logs::list` (§8 item 45). Its own file:
// the SDK's OpenTelemetry state is per process, and the other interop tests keep it off.
import { Logger } from '@iii-dev/helpers/observability';
import { registerWorker, type IIIClient } from 'iii-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { useHarness } from './harness';
import { eventually, withTimeout, type Frame } from './raw-client';

const h = useHarness();
let client: IIIClient | undefined;

afterEach(async () => {
  await withTimeout(client?.shutdown() ?? Promise.resolve(), 5000, 'iii-sdk shutdown()').catch(() => undefined);
  client = undefined;
});

describe('the official iii-sdk logs through /otel into the engine log store', () => {
  it("Logger.warn reaches engine::logs::list with the SDK's service name, severity and data", async () => {
    const e = await h.engine();
    const service = `official-logs-${Math.random().toString(16).slice(2, 10)}`;
    client = registerWorker(e.url, {
      workerName: service,
      otel: { serviceName: service, metricsEnabled: false, fetchInstrumentationEnabled: false, logsFlushIntervalMs: 20 },
      enableMetricsReporting: false,
      reconnectionConfig: { maxRetries: 0 },
    });
    const reader = await h.announced(e.url);
    new Logger(undefined, service).warn(`disk almost full ${service}`, { pct: 93, mount: '/data' });
    const stored = await eventually(
      async () => {
        const r = (await reader.call('engine::logs::list', { severity_min: 13, limit: 1000 })) as { logs: Frame[] };
        return r.logs.find((l) => l.service_name === service && l.body === `disk almost full ${service}`);
      },
      5000,
      50,
      "the SDK's record in engine::logs::list",
    );
    // The helpers' Logger sets the severity number only, and nests the data under `log.data`.
    expect(stored).toMatchObject({ severity_number: 13, severity_text: '', instrumentation_scope_name: service, trace_id: null });
    expect(stored.attributes).toEqual({ 'log.data': { mount: '/data', pct: 93 }, 'service.name': service });
    expect(stored.resource).toMatchObject({ 'service.name': service, 'telemetry.sdk.language': 'nodejs' });
    expect(typeof stored.timestamp_unix_nano).toBe('number');
    expect(stored.timestamp_unix_nano).toBeGreaterThan(0);
  });
});
