// The engine's log store (§2.1 / §2.3 telemetry, §5 `engine::logs::list`, §8 item 45): `LOGS`
// frames (OTLP/JSON after a 4-byte prefix, as an SDK's OpenTelemetry log exporter sends them on
// `/otel` or `/`) and `engine::log::*` calls are recorded, and `engine::logs::list` returns them
// filtered, newest first, paged. Each test tags its records with a trace id of its own, so it
// reads only them even from an engine whose store holds others' (the real engine also stores
// its own log lines there).
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useHarness } from './harness';
import { eventually, type Frame, type RawSocket, type RawWorker } from './raw-client';

const h = useHarness();

const traceId = (): string => randomBytes(16).toString('hex');
const spanId = (): string => randomBytes(8).toString('hex');
const str = (stringValue: string) => ({ stringValue });

/** One `LOGS` frame: the prefix and an OTLP/JSON ExportLogsServiceRequest. */
function logsFrame(doc: unknown): Buffer {
  return Buffer.concat([Buffer.from('LOGS'), Buffer.from(JSON.stringify(doc))]);
}

/** A request with one resource (`service.name` = `service`) and one scope holding `records`. */
function request(service: string, records: Frame[], scope: Frame = { name: 'test-scope', version: '1.2.3' }): Frame {
  return {
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'service.name', value: str(service) }, { key: 'host.count', value: { intValue: '3' } }] },
        scopeLogs: [{ scope, logRecords: records }],
      },
    ],
  };
}

interface Listed {
  logs: Frame[];
  total: number;
  query: Frame;
  timestamp: number;
}

async function setup(): Promise<{ url: string; w: RawWorker; list(input: Frame): Promise<Listed>; otel(): Promise<RawSocket> }> {
  const e = await h.engine();
  const w = await h.announced(e.url);
  return {
    url: e.url,
    w,
    list: async (input) => (await w.call('engine::logs::list', input)) as unknown as Listed,
    otel: () => h.socket(e.url, { path: '/otel' }),
  };
}

/** Lists `filter` until `count` records match (frames on /otel are never answered, so poll). */
async function listed(s: { list(input: Frame): Promise<Listed> }, filter: Frame, count: number): Promise<Listed> {
  return eventually(async () => {
    const r = await s.list(filter);
    return r.total >= count ? r : undefined;
  }, 3000, 25, `${count} stored records for ${JSON.stringify(filter)}`);
}

describe('LOGS telemetry frames are stored (§2.1, §8 item 45)', () => {
  it('a record sent on /otel is listed as the real engine stores it', async () => {
    const s = await setup();
    const otel = await s.otel();
    const t = traceId();
    const sp = spanId();
    const service = `svc-${t.slice(0, 8)}`;
    otel.sendBinary(
      logsFrame(
        request(service, [
          {
            timeUnixNano: '1700000000000000000',
            observedTimeUnixNano: '1700000000001000000',
            severityNumber: 13,
            severityText: 'WARN',
            body: str('disk \u001b[31malmost\u001b[0m full'),
            attributes: [
              { key: 'pct', value: { intValue: '93' } },
              { key: 'ratio', value: { doubleValue: 0.93 } },
              { key: 'ok', value: { boolValue: false } },
              { key: 'colour', value: str('\u001b[1mbold\u001b[0m') },
              { key: 'nested', value: { kvlistValue: { values: [{ key: 'z', value: str('last') }, { key: 'a', value: { arrayValue: { values: [{ intValue: 1 }, str('x')] } } }] } } },
              { key: 'empty', value: {} },
              { key: 'absent' },
            ],
            traceId: t,
            spanId: sp,
            flags: 1,
          },
        ]),
      ),
    );
    const r = await listed(s, { trace_id: t }, 1);
    expect(r.logs).toEqual([
      {
        attributes: { colour: 'bold', empty: null, nested: { a: [1, 'x'], z: 'last' }, ok: false, pct: 93, ratio: 0.93 },
        body: 'disk almost full',
        instrumentation_scope_name: 'test-scope',
        instrumentation_scope_version: '1.2.3',
        observed_timestamp_unix_nano: 1700000000001000000,
        resource: { 'host.count': '3', 'service.name': service },
        service_name: service,
        severity_number: 13,
        severity_text: 'WARN',
        span_id: sp,
        timestamp_unix_nano: 1700000000000000000,
        trace_id: t,
      },
    ]);
  });

  it('a record sent on the worker socket / is stored too; defaults fill what the record leaves out', async () => {
    const s = await setup();
    const t = traceId();
    s.w.sendBinary(logsFrame({ resourceLogs: [{ scopeLogs: [{ scope: { name: null }, logRecords: [{ traceId: t, spanId: '0000000000000000' }] }] }] }));
    await s.w.sync(); // telemetry is handled in order on the read loop
    const r = await listed(s, { trace_id: t }, 1);
    expect(r.logs).toEqual([
      {
        attributes: {},
        body: '',
        observed_timestamp_unix_nano: 0,
        resource: {},
        service_name: 'unknown',
        severity_number: 0,
        severity_text: '',
        span_id: null,
        timestamp_unix_nano: 0,
        trace_id: t,
      },
    ]);
  });

  it('bodies that are not strings become text: numbers as Rust prints them, maps and lists as JSON', async () => {
    const s = await setup();
    const otel = await s.otel();
    const t = traceId();
    const bodies = [{ intValue: '-9007199254740993' }, { doubleValue: 1e21 }, { doubleValue: 1.5e-7 }, { doubleValue: 3 }, { boolValue: true }, { kvlistValue: { values: [{ key: 'b', value: { doubleValue: 3 } }, { key: 'a', value: { intValue: 3 } }] } }, { arrayValue: { values: [{ doubleValue: 0.5 }, {}] } }];
    otel.sendBinary(logsFrame(request('bodies', bodies.map((body, i) => ({ timeUnixNano: String(1000000 * (i + 1)), body, traceId: t })))));
    const r = await listed(s, { trace_id: t }, bodies.length);
    expect(r.logs.map((l) => l.body).reverse()).toEqual(['-9007199254740993', '1000000000000000000000', '0.00000015', '3', 'true', '{"a":3,"b":3.0}', '[0.5,null]']);
  });

  it('a frame that does not decode is dropped whole; the connection stays and the next frame is stored', async () => {
    const s = await setup();
    const otel = await s.otel();
    const t = traceId();
    const good = { body: str('good'), traceId: t };
    for (const badRecord of [{ timeUnixNano: -5 }, { timeUnixNano: 1.5 }, { severityNumber: 'high' }, { body: 'not an AnyValue' }, { attributes: [{ value: str('no key') }] }, { attributes: null }]) {
      otel.sendBinary(logsFrame(request('bad', [good, { ...badRecord, traceId: t }])));
    }
    otel.sendBinary(Buffer.concat([Buffer.from('LOGS'), Buffer.from([0xff, 0xfe])])); // not UTF-8
    otel.sendBinary(Buffer.from('LOGS{not json'));
    otel.send(JSON.stringify(request('text frames are ignored on /otel', [good])));
    otel.sendBinary(logsFrame(request('after', [{ body: str('after'), traceId: t }])));
    const r = await listed(s, { trace_id: t }, 1);
    expect(r.logs.map((l) => l.body)).toEqual(['after']);
    expect(otel.isOpen).toBe(true);
  });
});

describe('engine::log::* records are in the same store (§5, §8 item 45)', () => {
  it('with its severity, the data as attributes and the service name it gave', async () => {
    const s = await setup();
    const t = traceId();
    const f = await s.w.callFrame('engine::log::error', { message: 'payment \u001b[31mfailed\u001b[0m', data: { order: 7, reason: 'card' }, service_name: 'payments', trace_id: t, span_id: 'abc' });
    expect(f.error).toBeUndefined();
    s.w.invokeVoid('engine::log::debug', { message: 'no data, no service', trace_id: t, data: [1, 2] });
    const r = await listed(s, { trace_id: t }, 2);
    expect(r.logs.map((l) => [l.severity_number, l.severity_text, l.body, l.attributes, l.service_name, l.span_id, l.instrumentation_scope_name])).toEqual([
      [5, 'DEBUG', 'no data, no service', {}, 'unknown', null, 'iii'],
      [17, 'ERROR', 'payment failed', { order: 7, reason: 'card' }, 'payments', 'abc', 'iii'],
    ]);
    expect(r.logs[0]!.timestamp_unix_nano).toBeGreaterThanOrEqual(r.logs[1]!.timestamp_unix_nano);
    expect(r.logs[1]!.timestamp_unix_nano).toBe(r.logs[1]!.observed_timestamp_unix_nano);
  });
});

describe('engine::logs::list (§5)', () => {
  async function seeded() {
    const s = await setup();
    const otel = await s.otel();
    const t = traceId();
    const sp = spanId();
    // Three records, one millisecond apart: 2001-09-09T01:46:40.001Z, .002Z, .003Z.
    const ms = [1000000000001, 1000000000002, 1000000000003] as const;
    const first: Frame = { timeUnixNano: `${ms[0]}000000`, severityNumber: 5, severityText: 'DEBUG', body: str('first'), traceId: t };
    const second: Frame = { timeUnixNano: `${ms[1]}000000`, severityNumber: 9, severityText: 'INFO', body: str('second'), traceId: t, spanId: sp };
    const third: Frame = { timeUnixNano: `${ms[2]}000000`, severityNumber: 17, severityText: 'Error', body: str('third'), traceId: t };
    otel.sendBinary(logsFrame(request('seeded', [second, third, first])));
    await listed(s, { trace_id: t }, 3);
    return { s, t, sp, ms };
  }

  it('lists newest first, with the total before paging and the filters echoed', async () => {
    const { s, t } = await seeded();
    const r = await s.list({ trace_id: t });
    expect(r.logs.map((l) => l.body)).toEqual(['third', 'second', 'first']);
    expect(r.total).toBe(3);
    expect(r.query).toEqual({ trace_id: t, span_id: null, severity_min: null, severity_text: null, start_time: null, end_time: null, offset: null, limit: null });
    expect(Math.abs(r.timestamp - Date.now())).toBeLessThan(60_000);
    const page = await s.list({ trace_id: t, offset: 1, limit: 1 });
    expect([page.total, page.logs.map((l) => l.body)]).toEqual([3, ['second']]);
    expect(page.query).toMatchObject({ offset: 1, limit: 1 });
  });

  it('filters by severity (minimum number; text without regard to case), span id and time (ms, inclusive)', async () => {
    const { s, t, sp, ms } = await seeded();
    const bodies = async (f: Frame) => (await s.list({ trace_id: t, ...f })).logs.map((l) => l.body);
    expect(await bodies({ severity_min: 9 })).toEqual(['third', 'second']);
    expect(await bodies({ severity_text: 'ERROR' })).toEqual(['third']);
    expect(await bodies({ span_id: sp })).toEqual(['second']);
    expect(await bodies({ start_time: ms[1], end_time: ms[1] })).toEqual(['second']);
    expect(await bodies({ start_time: ms[1] })).toEqual(['third', 'second']);
    expect(await bodies({ end_time: ms[0] })).toEqual(['first']);
    // Nanoseconds beyond u64: nothing matches (the real engine's overflow check).
    expect(await s.list({ trace_id: t, start_time: 18446744073710 })).toMatchObject({ total: 0, logs: [] });
  });

  it('refuses mistyped filters with deserialization_error, naming the expected type', async () => {
    const s = await setup();
    const err = async (input: Frame) => (await s.w.callFrame('engine::logs::list', input)).error;
    expect(await err({ limit: 'x' })).toEqual({ code: 'deserialization_error', message: 'Failed to deserialize input for engine::logs::list: invalid type: string "x", expected usize' });
    expect(await err({ start_time: -1 })).toEqual({ code: 'deserialization_error', message: 'Failed to deserialize input for engine::logs::list: invalid value: integer `-1`, expected u64' });
    expect(await err({ severity_min: 1.5 })).toEqual({ code: 'deserialization_error', message: 'Failed to deserialize input for engine::logs::list: invalid type: floating point `1.5`, expected i32' });
  });

  it('keeps the newest 1000 records', async () => {
    const s = await setup();
    const otel = await s.otel();
    const t = traceId();
    const records = Array.from({ length: 1005 }, (_, i) => ({ timeUnixNano: String(1_000_000 * (i + 1)), body: str(`r${i}`), traceId: t }));
    otel.sendBinary(logsFrame(request('many', records)));
    const r = await listed(s, { trace_id: t, limit: 2000 }, 990);
    // The real engine's own log lines share the store and may push out a few more of the oldest.
    expect(r.total).toBeLessThanOrEqual(1000);
    const bodies = new Set(r.logs.map((l) => l.body));
    expect(bodies.has('r1004')).toBe(true);
    expect(['r0', 'r1', 'r2', 'r3', 'r4'].some((b) => bodies.has(b))).toBe(false);
  });

  it('engine::logs::clear empties the store', async () => {
    const { s, t } = await seeded();
    expect(await s.w.call('engine::logs::clear', {})).toEqual({ success: true });
    expect((await s.list({ trace_id: t })).total).toBe(0);
  });
});
