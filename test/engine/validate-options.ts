// Checks engine options (a `--config` file, or what a JavaScript caller passed to startEngine)
// key by key, so that a typo fails at start with the key's path and the fix, instead of being
// silently ignored. Like the real engine's config structs, unknown keys are refused (§1.1).
import type { EngineOptions } from './options.js';

type Check = (value: unknown, path: string) => void;

class OptionsError extends Error {}

function fail(path: string, problem: string): never {
  throw new OptionsError(`${path} ${problem}`);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'string' ? `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}` : `${typeof v} ${String(v)}`;
}

const str: Check = (v, path) => {
  if (typeof v !== 'string') fail(path, `must be a string, got ${describe(v)}`);
};

const nonEmptyStr: Check = (v, path) => {
  str(v, path);
  if ((v as string).trim() === '') fail(path, 'must not be blank');
};

const nonNegativeMs: Check = (v, path) => {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) fail(path, `must be a number of milliseconds ≥ 0, got ${describe(v)}`);
};

const port: Check = (v, path) => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 65535) fail(path, `must be an integer port 0–65535 (0 = any free port), got ${describe(v)}`);
};

function arrayOf(item: Check): Check {
  return (v, path) => {
    if (!Array.isArray(v)) fail(path, `must be an array, got ${describe(v)}`);
    v.forEach((x, i) => item(x, `${path}[${i}]`));
  };
}

function object(shape: Record<string, Check>, name: string): Check {
  return (v, path) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(path, `must be an object (${name}), got ${describe(v)}`);
    for (const [key, value] of Object.entries(v)) {
      const at = path ? `${path}.${key}` : key;
      const check = Object.hasOwn(shape, key) ? shape[key] : undefined;
      if (!check) fail(at, `is not an option of ${name}; known: ${Object.keys(shape).join(', ')}`);
      if (value !== undefined) check(value, at);
    }
  };
}

const exposeFilter: Check = (v, path) => {
  if (typeof v === 'string') return nonEmptyStr(v, path);
  object(
    {
      match: nonEmptyStr,
      namespace: nonEmptyStr,
      metadata: (m, p) => {
        if (typeof m !== 'object' || m === null || Array.isArray(m)) fail(p, `must be an object of metadata values, got ${describe(m)}`);
      },
    },
    'an expose_functions filter',
  )(v, path);
  const f = v as { match?: unknown; metadata?: unknown };
  if ((f.match === undefined) === (f.metadata === undefined)) fail(path, 'needs exactly one of `match` or `metadata` (§3.15)');
};

const rbac = object(
  {
    auth_function_id: nonEmptyStr,
    on_function_registration_function_id: nonEmptyStr,
    on_trigger_registration_function_id: nonEmptyStr,
    on_trigger_type_registration_function_id: nonEmptyStr,
    expose_functions: arrayOf(exposeFilter),
  },
  'rbac',
);

const listener = object(
  { port, host: nonEmptyStr, handshake_timeout_ms: nonNegativeMs, middleware_function_id: nonEmptyStr, rbac },
  'a listener',
);

const queue: Check = (v, path) => {
  object({ queues: arrayOf(str), deliveryDelayMs: nonNegativeMs }, 'queue')(v, path);
  if ((v as { queues?: unknown }).queues === undefined) fail(`${path}.queues`, 'is required: the queue names the provider accepts');
};

function engineShape(allowLog: boolean): Record<string, Check> {
  const shape: Record<string, Check> = {
    port,
    host: nonEmptyStr,
    listeners: (v, path) => {
      arrayOf(listener)(v, path);
      if ((v as unknown[]).length === 0) fail(path, 'must hold at least one listener (omit it for the implicit one)');
    },
    registrationGraceMs: nonNegativeMs,
    functionsAvailablePollMs: (v, path) => {
      nonNegativeMs(v, path);
      if ((v as number) === 0) fail(path, 'must be above 0');
    },
    channelOrphanTtlMs: nonNegativeMs,
    channelSweepIntervalMs: (v, path) => {
      nonNegativeMs(v, path);
      if ((v as number) === 0) fail(path, 'must be above 0');
    },
    queue,
    ownProcess: (v, path) => {
      if (typeof v !== 'boolean') fail(path, `must be true or false, got ${describe(v)}`);
    },
  };
  if (allowLog) {
    shape.log = (v, path) => {
      if (typeof v !== 'function') fail(path, `must be a function (level, message, data) => void, got ${describe(v)}`);
    };
  }
  return shape;
}

/**
 * Returns `value` as EngineOptions, or throws an Error naming the first bad key:
 * `<source>: listeners[1].rbac.expose_function is not an option of rbac; known: …`.
 * `source` prefixes the message (the config file's path, or `startEngine()`); a config file
 * cannot carry `log` (JSON has no functions).
 */
export function validateEngineOptions(value: unknown, source: string, { allowLog }: { allowLog: boolean }): EngineOptions {
  try {
    object(engineShape(allowLog), 'the engine options')(value, '');
  } catch (e) {
    if (e instanceof OptionsError) throw new Error(`${source}: ${e.message.trimStart()}`);
    throw e;
  }
  return value as EngineOptions;
}
