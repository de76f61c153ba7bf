/**
 * `registerWorker`'s options (src/options.ts, src/option-checks.ts): the new options' defaults,
 * the TypeErrors of options that can never work, unknown keys, and the `iii-sdk` names (issue 13
 * "Options": accepted as aliases, in one mapping, docs/guide.md "Options of iii-sdk").
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_RECONNECT, resolveOptions, type InitOptions } from '../../src/options.js';
import { fakePlatform } from './fakes.js';

const resolve = (options: unknown, address = 'ws://engine.test:1/') => resolveOptions(fakePlatform().platform, address, options as InitOptions);
const thrown = (options: unknown, address?: string): Error => {
  try {
    resolve(options, address);
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a TypeError');
};

describe('options: defaults of the reliability options', () => {
  it('maxMessageBytes is the engine frame limit; undelivered calls are retried; stacks stay home', () => {
    const o = resolve({});
    expect(DEFAULT_MAX_MESSAGE_BYTES).toBe(16 * 1024 * 1024);
    expect(o).toMatchObject({ maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES, retryUndelivered: true, sendStackTraces: false, warnings: [] });
    expect(resolve({ maxMessageBytes: Infinity, retryUndelivered: false, sendStackTraces: true })).toMatchObject({
      maxMessageBytes: Infinity,
      retryUndelivered: false,
      sendStackTraces: true,
    });
  });
});

describe('options: what can never work is a TypeError at registerWorker', () => {
  it.each([
    [{ maxMessageBytes: 0 }, /maxMessageBytes/],
    [{ retryUndelivered: 'yes' }, /retryUndelivered must be true or false/],
    [{ sendStackTraces: 1 }, /sendStackTraces/],
    [{ logLevel: 'verbose' }, /logLevel must be one of debug, info, warn, error, silent/],
    [{ WebSocket: {} }, /WebSocket must be a constructor, got object/],
    [{ headers: 'x' }, /headers must be an object/],
    [{ headers: { 'a b': 'v' } }, /headers\["a b"\] is not a valid header name/],
    [{ headers: { x: 5 } }, /headers\["x"\] must be a string, got number/],
    [{ heartbeat: { interval: 5 } }, /heartbeat: unknown option "interval"; did you mean "intervalMs"\?/],
    [{ reconnect: { maxRetry: 1 } }, /reconnect: unknown option "maxRetry"; did you mean "maxRetries"\?/],
    [null, /options must be an object/],
  ])('%j', (options, message) => {
    const error = thrown(options);
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(message);
  });

  it('a header value with a line break is refused without quoting the value', () => {
    const error = thrown({ headers: { authorization: 'Bearer SECRET-VALUE\r\nx: y' } });
    expect(error.message).toBe('headers["authorization"] holds a line break or another control character');
    expect(error.message).not.toContain('SECRET-VALUE');
  });

  it('an invalid address is quoted with its query values masked', () => {
    const error = thrown({}, 'http://127.0.0.1:1/?token=SECRET-TOKEN&x=1');
    expect(error.message).toBe('invalid engine address "http://127.0.0.1:1/?token=***&x=***": expected a ws:// or wss:// URL');
  });
});

describe('options: unknown keys name the closest valid one', () => {
  it.each([
    ['workername', 'workerName'],
    ['invocationTimeout', 'invocationTimeoutMs'],
    ['websocket', 'WebSocket'],
    ['reconect', 'reconnect'],
    ['reconnection', 'reconnectionConfig'],
    ['maxMessageSize', 'maxMessageBytes'],
  ])('%s → %s', (key, near) => {
    const error = thrown({ [key]: 1 });
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toBe(`registerWorker: unknown option "${key}"; did you mean "${near}"?`);
  });

  it('a key like none of them lists the valid ones', () => {
    expect(thrown({ colour: 'blue' }).message).toMatch(/unknown option "colour"; valid options: workerName, workerDescription, namespace, headers/);
  });
});

describe("options: iii-sdk's names", () => {
  it('reconnectionConfig maps onto reconnect (maxRetries -1 is no limit)', () => {
    const o = resolve({ reconnectionConfig: { initialDelayMs: 5, maxDelayMs: 60, backoffMultiplier: 3, jitterFactor: 0.1, maxRetries: -1 } });
    expect(o.reconnect).toEqual({ ...DEFAULT_RECONNECT, initialDelayMs: 5, maxDelayMs: 60, multiplier: 3, jitter: 0.1, maxRetries: Infinity });
    expect(resolve({ reconnectionConfig: { maxRetries: 0 } }).reconnect.maxRetries).toBe(0);
    expect(resolve({ invocationTimeoutMs: 5, workerName: 'w' })).toMatchObject({ invocationTimeoutMs: 5, workerName: 'w' });
  });

  it('reconnect and reconnectionConfig together, or an unknown reconnectionConfig key, is a TypeError', () => {
    expect(thrown({ reconnect: {}, reconnectionConfig: {} }).message).toMatch(/not both/);
    expect(thrown({ reconnectionConfig: { jitter: 0 } }).message).toBe('reconnectionConfig: unknown option "jitter"; did you mean "jitterFactor"?');
  });

  it('otel and enableMetricsReporting: off is a no-op; asking for telemetry is accepted with a warning naming propagator', () => {
    for (const off of [{ otel: false }, { otel: { enabled: false, serviceName: 's' } }, { enableMetricsReporting: false }]) {
      expect(resolve(off).warnings).toEqual([]);
    }
    for (const on of [{ otel: { serviceName: 'iii-tests' } }, { otel: {} }, { enableMetricsReporting: true }]) {
      const { warnings } = resolve(on);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/no OpenTelemetry/);
      expect(warnings[0]).toMatch(/propagator/);
    }
    expect(thrown({ otel: 'yes' }).message).toBe('otel must be an object or false');
    expect(thrown({ enableMetricsReporting: 'no' }).message).toBe('enableMetricsReporting must be true or false');
  });
});

describe('blank values (iii-sdk env contract)', () => {
  it('a blank III_URL, III_NAMESPACE or III_WORKER_NAME reads as unset, as a shell means it', () => {
    const fake = fakePlatform();
    Object.assign(fake.env, { III_URL: '', III_NAMESPACE: '  ', III_WORKER_NAME: '' });
    const o = resolveOptions(fake.platform, undefined, {});
    expect(o.address).toBe('ws://127.0.0.1:49134');
    expect(o.namespace).toBeUndefined();
    expect(o.workerName).toBe('fake-host:42');
  });

  it('a blank namespace option is refused, saying it is empty', () => {
    const fake = fakePlatform();
    expect(() => resolveOptions(fake.platform, undefined, { namespace: '' })).toThrow(/namespace is empty/);
    expect(() => resolveOptions(fake.platform, undefined, { namespace: '   ' })).toThrow(/namespace is empty/);
  });
});
