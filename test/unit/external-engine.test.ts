// The external-engine switch (test/external-engine.ts): what it reads from the environment and
// how it refuses what it cannot use.
import { describe, expect, it } from 'vitest';
import { readExternalEngine } from '../external-engine.js';

describe('readExternalEngine', () => {
  it('unset or blank III_TEST_ENGINE_URL = the reference engine', () => {
    expect(readExternalEngine({})).toBeUndefined();
    expect(readExternalEngine({ III_TEST_ENGINE_URL: '  ' })).toBeUndefined();
  });

  it('reads every listener, without trailing slashes, with the trusted port', () => {
    expect(
      readExternalEngine({
        III_TEST_ENGINE_URL: 'ws://127.0.0.1:49199/',
        III_TEST_ENGINE_RBAC_URL: 'ws://127.0.0.1:49135',
        III_TEST_ENGINE_HOOKS_URL: 'ws://127.0.0.1:49136/',
        III_TEST_ENGINE_HTTP_URL: 'http://127.0.0.1:3199/',
      }),
    ).toEqual({
      url: 'ws://127.0.0.1:49199',
      port: 49199,
      rbacUrl: 'ws://127.0.0.1:49135',
      hooksUrl: 'ws://127.0.0.1:49136',
      httpUrl: 'http://127.0.0.1:3199',
    });
    expect(readExternalEngine({ III_TEST_ENGINE_URL: 'wss://engine.example' })).toMatchObject({ port: 443, rbacUrl: undefined });
  });

  it('refuses, naming the variable: not a URL, a wrong scheme, a listener without the engine', () => {
    expect(() => readExternalEngine({ III_TEST_ENGINE_URL: 'http://127.0.0.1:49199' })).toThrow(/III_TEST_ENGINE_URL=.* must start with ws:\/\/ or wss:\/\//);
    expect(() => readExternalEngine({ III_TEST_ENGINE_URL: 'not a url' })).toThrow(/III_TEST_ENGINE_URL="not a url" is not a URL/);
    expect(() => readExternalEngine({ III_TEST_ENGINE_URL: 'ws://h:1', III_TEST_ENGINE_HTTP_URL: 'ws://h:2' })).toThrow(/III_TEST_ENGINE_HTTP_URL=.* must start with http:\/\/ or https:\/\//);
    expect(() => readExternalEngine({ III_TEST_ENGINE_RBAC_URL: 'ws://h:2' })).toThrow(/III_TEST_ENGINE_RBAC_URL is set but III_TEST_ENGINE_URL is not/);
  });
});
