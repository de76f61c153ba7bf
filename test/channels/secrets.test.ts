// No secret in a channel's errors (issue 10 item 8, CONTRACT-10 "Secrets"): neither the worker
// address's query (a `?token=`), nor its password, nor the channel's access key (the channel's
// credential, protocol.md §4.2), in a message, a `cause` or an inspection of the error.
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createNodePlatform } from '../../platform/node/platform.js';
import { ChannelReader } from '../../src/channels/reader.js';
import type { StreamChannelRef } from '../../src/channels/ref.js';
import { ChannelWriter } from '../../src/channels/writer.js';
import type { Platform } from '../../src/platform.js';
import { WAIT_MS, within } from './helpers.js';

const TOKEN = 'tok-9f8e7d6c5b4a';
const PASSWORD = 'pw-0a1b2c3d4e';
const KEY = 'key-5e6f7a8b9c0d';
const ref = (direction: 'read' | 'write'): StreamChannelRef => ({ channel_id: 'c-secret', access_key: KEY, direction });

/** Everything a user could print of an error: message, stack, cause chain, own properties. */
function shown(error: unknown): string {
  return `${String(error)}\n${inspect(error, { depth: 10, showHidden: true })}\n${JSON.stringify(error)}`;
}

function expectNoSecret(error: unknown): void {
  const text = shown(error);
  for (const secret of [TOKEN, PASSWORD, KEY, encodeURIComponent(KEY)]) expect(text).not.toContain(secret);
}

/**
 * A platform whose sockets never open and fail the way Bun's WebSocket does: its error quotes the
 * whole URL, access key included, and the error is passed on as it is (session/websocket.ts).
 */
function quotingPlatform(): Platform {
  const base = createNodePlatform();
  return {
    ...base,
    connect: (url, _options, handlers) => {
      const timer = setTimeout(() => {
        handlers.onError(new Error(`WebSocket connection to '${url}' failed: Failed to connect`));
        handlers.onClose(1006, '');
      }, 1);
      return { send: () => undefined, close: () => clearTimeout(timer), bufferedAmount: () => 0 };
    },
  };
}

describe('channel errors show no secret', () => {
  it('an engine address that is not a ws:// URL: the TypeError shows its query value and password masked', () => {
    for (const address of [`ftp://u:${PASSWORD}@example.com/?token=${TOKEN}`, `127.0.0.1:49134/?token=${TOKEN}`, `not a url?token=${TOKEN}`]) {
      let error: unknown;
      try {
        new ChannelReader(address, ref('read'), { platform: createNodePlatform() });
      } catch (e) {
        error = e;
      }
      expect(error, address).toBeInstanceOf(TypeError);
      expect(String((error as Error).message)).toContain('token=***');
      expectNoSecret(error);
    }
  });

  it("a runtime error that quotes the channel URL: the reader's ChannelError has the key masked, in its message and its cause", async () => {
    const reader = new ChannelReader('ws://127.0.0.1:1', ref('read'), { platform: quotingPlatform() });
    const error = await within(reader.readAll().then(() => undefined, (e: unknown) => e), WAIT_MS, 'the read to fail');
    expect((error as { code?: string }).code).toBe('CHANNEL_ERROR');
    expect((error as Error).message).toContain('key=***');
    expect((error as Error).message).toContain('Failed to connect');
    expectNoSecret(error);
  });

  it("the same for the writer's write()", async () => {
    const writer = new ChannelWriter('ws://127.0.0.1:1', ref('write'), { platform: quotingPlatform() });
    const w = writer.writable.getWriter();
    const error = await within(w.write(new Uint8Array([1, 2, 3])).then(() => undefined, (e: unknown) => e), WAIT_MS, 'the write to fail');
    expect((error as { code?: string }).code).toBe('CHANNEL_ERROR');
    expect((error as Error).message).toContain('Failed to connect');
    expectNoSecret(error);
  });
});
