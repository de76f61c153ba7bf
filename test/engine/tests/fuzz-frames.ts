// Hostile frames for the engine fuzz test (fuzz.test.ts), from a seeded generator so that a run
// can be repeated: every frame type with prototype-named types and keys, wrongly typed fields,
// deep nesting, huge strings, binary and random mutations of valid frames.
import { randomUUID } from 'node:crypto';

/** A small seeded PRNG (mulberry32): the same seed gives the same frames. */
export class Rng {
  constructor(private state: number) {}
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = Math.imul(this.state ^ (this.state >>> 15), 1 | this.state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

export const PROTO_NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', '__defineGetter__', 'prototype'];

export const TYPES = [
  'registerfunction',
  'unregisterfunction',
  'invokefunction',
  'invocationresult',
  'registertriggertype',
  'registertrigger',
  'unregistertrigger',
  'triggerregistrationresult',
  'registerservice',
  'reattach',
  'ping',
  'pong',
  'workerregistered',
  'registrationrejected',
  'unregistertriggertype',
];

const BUILTINS = [
  'engine::functions::list',
  'engine::functions::info',
  'engine::triggers::list',
  'engine::triggers::info',
  'engine::registered-triggers::list',
  'engine::registered-triggers::info',
  'engine::workers::list',
  'engine::workers::info',
  'engine::workers::register',
  'engine::register_trigger',
  'engine::unregister_trigger',
  'engine::log::info',
  'engine::baggage::get',
  'engine::baggage::get_all',
];

/** Values of every JSON type, including ones no field expects. */
function wrongValue(r: Rng): unknown {
  return r.pick<() => unknown>([
    () => null,
    () => r.int(1e9) - 5e8,
    () => -0.5,
    () => true,
    () => [],
    () => [1, 'a', null],
    () => ({}),
    () => ({ [r.pick(PROTO_NAMES)]: { code: 1 } }),
    () => '',
    () => ' ',
    () => r.pick(PROTO_NAMES),
    () => 'not-a-uuid',
    () => '\u0000\u202e\ud800',
  ])();
}

/** A valid-looking frame of `type`; `target` is a function id worth hitting. */
export function validFrame(r: Rng, type: string, target: string): Record<string, unknown> {
  const id = r.chance(0.5) ? `fuzz::${r.int(50)}` : r.pick(PROTO_NAMES);
  switch (type) {
    case 'registerfunction':
      return { type, id, description: 'x', metadata: { internal: r.chance(0.3), [r.pick(PROTO_NAMES)]: 1 } };
    case 'unregisterfunction':
      return { type, id };
    case 'invokefunction': {
      const f: Record<string, unknown> = { type, function_id: r.chance(0.3) ? target : r.chance(0.5) ? r.pick(BUILTINS) : id, data: { n: r.int(100), include_internal: r.chance(0.5) } };
      if (r.chance(0.7)) f.invocation_id = randomUUID();
      if (r.chance(0.2)) f.action = r.pick([{ type: 'void' }, { type: 'enqueue', queue: r.pick(['q', '', ...PROTO_NAMES]) }]);
      if (r.chance(0.2)) f.namespace = r.pick(['default', 'other', ' ', ...PROTO_NAMES]);
      return f;
    }
    case 'invocationresult':
      return { type, invocation_id: randomUUID(), function_id: id, result: { [r.pick(PROTO_NAMES)]: 1 } };
    case 'registertriggertype':
      return { type, id: r.pick(['t', 'engine::workers-available', ...PROTO_NAMES]), description: 'd', namespace: r.pick([undefined, 'default', ' ', ...PROTO_NAMES]) };
    case 'registertrigger':
      return {
        type,
        id: r.chance(0.5) ? randomUUID() : r.pick(PROTO_NAMES),
        trigger_type: r.pick(['t', 'http', 'engine::workers-available', 'engine::functions-available', ...PROTO_NAMES]),
        function_id: id,
        config: r.chance(0.5) ? { api_path: r.pick(['', 'x', '__proto__']) } : null,
        trigger_namespace: r.pick([undefined, 'default', 'other', ...PROTO_NAMES]),
      };
    case 'unregistertrigger':
      return { type, id: r.pick([randomUUID(), ...PROTO_NAMES]) };
    case 'triggerregistrationresult':
      return { type, id: randomUUID(), trigger_type: 't', function_id: id, error: r.chance(0.5) ? { code: 'x', message: 'y' } : undefined };
    case 'registerservice':
      return { type, id, name: r.pick(PROTO_NAMES) };
    case 'reattach':
      return { type, previous_worker_id: r.chance(0.5) ? randomUUID() : r.pick(PROTO_NAMES), reattach_token: randomUUID() };
    default:
      return { type };
  }
}

/** One frame of a class; `target` is the neighbours' function (calls to it must keep working). */
export type FrameClass = 'proto' | 'wrongtypes' | 'deep' | 'mutant';

export function hostileFrame(r: Rng, kind: FrameClass, target: string, deepLevels: number): string {
  switch (kind) {
    case 'proto': {
      // Prototype-named types, or valid frames with prototype-named keys at the top and inside.
      if (r.chance(0.4)) return JSON.stringify({ type: r.pick(PROTO_NAMES), id: 'x', data: {} });
      const f = validFrame(r, r.pick(TYPES), target);
      const key = r.pick(PROTO_NAMES);
      return JSON.stringify(f).replace(/^\{/, `{${JSON.stringify(key)}:${JSON.stringify(wrongValue(r))},`);
    }
    case 'wrongtypes': {
      const f = validFrame(r, r.pick(TYPES), target);
      const keys = Object.keys(f);
      for (let i = 0; i < 1 + r.int(3); i++) f[r.pick(keys)] = wrongValue(r);
      return JSON.stringify(f);
    }
    case 'deep': {
      // Mostly around serde_json's limit (127 levels decode, 128 do not), sometimes far beyond.
      const levels = r.chance(0.05) ? deepLevels : 120 + r.int(15);
      const open = r.chance(0.5) ? '['.repeat(levels) : '{"a":'.repeat(levels);
      const close = open.startsWith('[') ? ']'.repeat(levels) : '}'.repeat(levels);
      const fn = r.chance(0.5) ? target : 'engine::functions::list';
      return `{"type":"invokefunction","invocation_id":"${randomUUID()}","function_id":"${fn}","data":${open}1${close}}`;
    }
    case 'mutant': {
      // A valid frame with random bytes changed, cut or duplicated.
      const text = JSON.stringify(validFrame(r, r.pick(TYPES), target));
      const at = r.int(text.length);
      return r.pick([
        () => text.slice(0, at),
        () => text.slice(0, at) + String.fromCharCode(r.int(128)) + text.slice(at + 1),
        () => text.slice(0, at) + text.slice(at, at + 8).repeat(3) + text.slice(at + 8),
        () => text.replace(/"type":"[a-z]+"/, `"type":"${r.pick(TYPES)}","type":"${r.pick(TYPES)}"`),
        () => text.toUpperCase(),
      ])();
    }
  }
}

/**
 * Frames carrying a huge string in a field the engine copies, scans or echoes. (None registers a
 * huge function description: kept registered, it would make every listing that large, which is
 * state, as in the real engine, not a queue.)
 */
export function hugeFrame(r: Rng, filler: string, bytes: number): string {
  const s = filler.slice(0, bytes);
  return r.pick([
    () => JSON.stringify({ type: 'invokefunction', invocation_id: randomUUID(), function_id: s, data: {} }),
    () => JSON.stringify({ type: 'invokefunction', invocation_id: randomUUID(), function_id: 'engine::log::info', data: { message: s } }),
    () => JSON.stringify({ type: 'registertrigger', id: randomUUID(), trigger_type: 'fuzz::nobody', function_id: 'f', config: { s } }),
    () => JSON.stringify({ type: 'ping', pad: s }),
    () => JSON.stringify({ type: 'reattach', previous_worker_id: randomUUID(), reattach_token: s }),
    () => JSON.stringify({ type: 'invokefunction', function_id: 'engine::functions::list', data: { search: s }, invocation_id: randomUUID() }),
  ])();
}

/** Binary payloads: random bytes, telemetry prefixes, JSON in a binary frame. */
export function binaryFrame(r: Rng): Buffer {
  return r.pick([
    () => Buffer.from(Array.from({ length: 1 + r.int(2048) }, () => r.int(256))),
    () => Buffer.concat([Buffer.from(r.pick(['OTLP', 'MTRC', 'LOGS'])), Buffer.from('{"resourceSpans":[') ]),
    () => Buffer.from(JSON.stringify({ type: 'ping' })),
    () => Buffer.from(JSON.stringify({ type: r.pick(PROTO_NAMES) })),
    () => Buffer.from([0xff, 0xfe, 0x00]),
  ])();
}
