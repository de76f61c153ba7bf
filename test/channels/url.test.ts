import { describe, expect, it } from 'vitest';
import { channelUrl } from '../../src/channels/url.js';
import type { StreamChannelRef } from '../../src/channels/ref.js';

const ref: StreamChannelRef = { channel_id: 'c-1', access_key: 'k/1+2 3&x', direction: 'read' };

describe('channelUrl (protocol.md §4.2, §7 item 9)', () => {
  it('builds the channel route on a bare address', () => {
    expect(channelUrl('ws://127.0.0.1:49134', ref)).toBe(
      'ws://127.0.0.1:49134/ws/channels/c-1?key=k%2F1%2B2%203%26x&dir=read',
    );
    expect(channelUrl('ws://127.0.0.1:49134/', { ...ref, direction: 'write' })).toBe(
      'ws://127.0.0.1:49134/ws/channels/c-1?key=k%2F1%2B2%203%26x&dir=write',
    );
  });

  it('drops the worker query (?token=) with or without a slash before it', () => {
    const expected = 'ws://host:49135/ws/channels/c-1?key=k%2F1%2B2%203%26x&dir=read';
    expect(channelUrl('ws://host:49135/?token=abc', ref)).toBe(expected);
    expect(channelUrl('ws://host:49135?token=abc', ref)).toBe(expected);
    expect(channelUrl('ws://host:49135?token=abc#frag', ref)).toBe(expected);
  });

  it('keeps a path prefix (reverse proxy) and strips trailing slashes', () => {
    expect(channelUrl('wss://example.com/iii/', ref)).toBe(
      'wss://example.com/iii/ws/channels/c-1?key=k%2F1%2B2%203%26x&dir=read',
    );
    expect(channelUrl('wss://example.com/a/b//?token=t', ref)).toBe(
      'wss://example.com/a/b/ws/channels/c-1?key=k%2F1%2B2%203%26x&dir=read',
    );
  });

  it('maps http(s) to ws(s), keeps IPv6 hosts, drops user info', () => {
    expect(channelUrl('http://127.0.0.1:8080', ref)).toMatch(/^ws:\/\/127\.0\.0\.1:8080\/ws\/channels\//);
    expect(channelUrl('https://example.com', ref)).toMatch(/^wss:\/\/example\.com\/ws\/channels\//);
    expect(channelUrl('ws://[::1]:9000', ref)).toMatch(/^ws:\/\/\[::1\]:9000\/ws\/channels\//);
    expect(channelUrl('ws://user:pw@example.com', ref)).toMatch(/^ws:\/\/example\.com\/ws\/channels\//);
  });

  it('refuses addresses it cannot turn into a WebSocket URL', () => {
    expect(() => channelUrl('127.0.0.1:49134', ref)).toThrow(TypeError);
    expect(() => channelUrl('not a url', ref)).toThrow(TypeError);
    expect(() => channelUrl('ftp://example.com', ref)).toThrow(/ws:\/\/, wss:\/\//);
  });
});
