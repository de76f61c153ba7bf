/**
 * The hostile engine's frames (hostile-engine.ts): seeded, so a run can be replayed. Prototype
 * names as types, keys and ids; wrong JSON types; nesting up to 100,000 levels; 4 MiB strings;
 * invalid JSON; binary frames; broken answers to real pending calls; odd invocations of real
 * functions with fake channel refs; bindings for the worker's trigger type; AUTH_ERROR frames.
 * Never a frame the protocol makes fatal (a worker-name conflict, §3.12): the worker must be able
 * to survive everything sent.
 */
/** xorshift32: the same seed gives the same frames. */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

const PROTO_NAMES = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__', 'then'];
const TYPES = [
  'workerregistered',
  'registrationrejected',
  'invokefunction',
  'invocationresult',
  'registertrigger',
  'unregistertrigger',
  'triggerregistrationresult',
  'error',
  'pong',
  'ping',
  'registerfunction',
  'WORKERREGISTERED',
  'unknown-type',
  '',
  ...PROTO_NAMES,
];
/** The key a polluted prototype would show. */
export const POLLUTION_KEY = 'iiiFuzzPolluted';

export interface FuzzTargets {
  functionIds: string[];
  triggerType: string;
  /** invocation ids of the worker's calls waiting for an answer. */
  pendingIds: () => string[];
}

/** One fuzzed frame: a string (text frame) or bytes (binary frame). */
export function fuzzFrame(random: () => number, t: FuzzTargets): string | Uint8Array {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const deep = (depth: number, open: string, close: string, inner = '1'): string => open.repeat(depth) + inner + close.repeat(depth);
  // A few 4 MiB strings (one value in ~2000), else up to 5000 characters.
  const bigString = (): string => 'x'.repeat(random() < 0.0005 ? 4 * 1024 * 1024 : 1 + Math.floor(random() * 5000));
  // Mostly shallow; one in ten up to 5000 levels; one in 500 at 100,000 (past any recursive walker).
  const depth = (): number => {
    const r = random();
    if (r < 0.002) return 100_000;
    return 1 + Math.floor(random() * (r < 0.1 ? 5000 : 64));
  };
  const polluting = (): string => `{"__proto__":{"${POLLUTION_KEY}":true},"constructor":{"prototype":{"${POLLUTION_KEY}":true}}}`;
  const value = (): string => {
    switch (Math.floor(random() * 14)) {
      case 0:
        return 'null';
      case 1:
        return String(Math.floor(random() * 1e9) - 5e8);
      case 2:
        return '1e308';
      case 3:
        return JSON.stringify(bigString());
      case 4:
        return polluting();
      case 5:
        return deep(depth(), '[', ']');
      case 6:
        return deep(depth(), '{"a":', '}');
      case 7:
        return JSON.stringify(pick(PROTO_NAMES));
      case 8:
        return '{"channel_id":"00000000-0000-4000-8000-000000000000","access_key":"k","direction":"read"}';
      case 9:
        return `{"w":{"channel_id":${JSON.stringify(pick(PROTO_NAMES))},"access_key":"k","direction":"write"}}`;
      case 10:
        return '[]';
      case 11:
        return 'true';
      case 12:
        return '"\\ud800"';
      default:
        return '{}';
    }
  };
  const field = (name: string): string => `${JSON.stringify(name)}:${value()}`;
  switch (Math.floor(random() * 13)) {
    case 12:
      // Refused credentials: the worker drops the socket and redials (onAuthError 'retry').
      return random() < 0.05 ? '{"type":"error","error":{"code":"AUTH_ERROR","message":"fuzzed refusal"}}' : `{"type":"error","error":${value()}}`;
    case 0: {
      // A known or hostile `type` with random fields.
      const keys = ['invocation_id', 'function_id', 'data', 'result', 'error', 'id', 'trigger_type', 'config', 'code', 'worker_id', ...PROTO_NAMES];
      const n = Math.floor(random() * 6);
      const fields = [`"type":${JSON.stringify(pick(TYPES))}`];
      for (let i = 0; i < n; i++) fields.push(field(pick(keys)));
      return `{${fields.join(',')}}`;
    }
    case 1:
      // An invocation of one of the worker's real functions (or a prototype name) with odd data.
      return `{"type":"invokefunction","invocation_id":${random() < 0.8 ? JSON.stringify(crypto.randomUUID()) : value()},"function_id":${JSON.stringify(
        random() < 0.7 ? pick(t.functionIds) : pick(PROTO_NAMES),
      )},"data":${value()},"metadata":${value()},"traceparent":${value()}}`;
    case 2: {
      // A broken answer to a real pending call.
      const id = pick(t.pendingIds().length > 0 ? t.pendingIds() : [crypto.randomUUID()]);
      const body = pick([
        `"result":${value()}`,
        `"error":${value()}`,
        `"error":{"code":${value()},"message":${value()},"stacktrace":${value()}}`,
        `"error":{"code":"x","message":"y"},"result":${value()}`,
      ]);
      return `{"type":"invocationresult","invocation_id":${JSON.stringify(id)},"function_id":${JSON.stringify(pick(t.functionIds))},${body}}`;
    }
    case 3:
      // A binding for the worker's trigger type (or a prototype-named one).
      return `{"type":"registertrigger","id":${JSON.stringify(random() < 0.5 ? crypto.randomUUID() : pick(PROTO_NAMES))},"trigger_type":${JSON.stringify(
        random() < 0.7 ? t.triggerType : pick(PROTO_NAMES),
      )},"function_id":${JSON.stringify(pick(t.functionIds))},"config":${value()},"metadata":${value()}}`;
    case 4:
      return `{"type":"unregistertrigger","id":${JSON.stringify(random() < 0.5 ? crypto.randomUUID() : pick(PROTO_NAMES))},"trigger_type":${value()}}`;
    case 5:
      // Not JSON, or JSON that is not an object.
      return pick(['', ' ', '{', '{"type":', 'null', '[]', '1', '"str"', '{"type":"invokefunction"', '\u0000', 'undefined', '{}']);
    case 6: {
      const bytes = new Uint8Array(Math.floor(random() * 2048));
      for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
      return bytes;
    }
    case 7:
      return new TextEncoder().encode(`{"type":"invokefunction","invocation_id":"${crypto.randomUUID()}","function_id":${JSON.stringify(pick(t.functionIds))},"data":${value()}}`);
    case 8:
      return `{"type":"triggerregistrationresult","id":${value()},"trigger_type":${value()},"function_id":${value()},"error":${value()}}`;
    case 9:
      // Only the non-fatal refusal (a worker-name conflict or an unknown code stops a worker for good, §3.12).
      return `{"type":"registrationrejected","code":"FUNCTION_NAMESPACE_CONFLICT","namespace":${value()},"function_id":${JSON.stringify(
        pick([...t.functionIds, ...PROTO_NAMES]),
      )},"owner_worker_id":${value()}}`;
    case 10:
      return `{"type":${JSON.stringify(pick(PROTO_NAMES))},${polluting().slice(1)}`;
    default:
      return `{"type":"pong",${field(pick(PROTO_NAMES))}}`;
  }
}
