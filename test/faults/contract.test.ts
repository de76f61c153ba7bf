/**
 * The names issue 10 fixed for the reliability work, as exported by the Node entry: the
 * new error codes, the default message limit, the channel error classes. The behaviour behind
 * each is asserted by the other fault tests; this file pins the names they rely on.
 */
import { describe, expect, it } from 'vitest';
import * as sdk from '../../platform/node/index.js';
import { CODE, EXPECTED_MAX_MESSAGE_BYTES } from './contract.js';

const api = sdk as unknown as Record<string, unknown> & { ErrorCode: Record<string, string> };

describe('CONTRACT-10 public names', () => {
  it('ErrorCode has the new codes with their values', () => {
    expect({
      PayloadTooLarge: api.ErrorCode.PayloadTooLarge,
      EngineUnreachable: api.ErrorCode.EngineUnreachable,
      ChannelTruncated: api.ErrorCode.ChannelTruncated,
      ChannelAborted: api.ErrorCode.ChannelAborted,
      ChannelClosed: api.ErrorCode.ChannelClosed,
      CrossRequest: api.ErrorCode.CrossRequest,
    }).toEqual({
      PayloadTooLarge: CODE.PayloadTooLarge,
      EngineUnreachable: CODE.EngineUnreachable,
      ChannelTruncated: CODE.ChannelTruncated,
      ChannelAborted: CODE.ChannelAborted,
      ChannelClosed: CODE.ChannelClosed,
      CrossRequest: CODE.CrossRequest,
    });
  });

  it('DEFAULT_MAX_MESSAGE_BYTES is the engine frame limit, 16 MiB (protocol.md §2.1)', () => {
    expect(api.DEFAULT_MAX_MESSAGE_BYTES).toBe(EXPECTED_MAX_MESSAGE_BYTES);
  });

  it('ChannelAbortedError is exported and extends ChannelError', () => {
    // The codes channel errors carry are asserted where the SDK raises them (channel-peers.test.ts).
    const Aborted = api.ChannelAbortedError as (new (...args: never[]) => Error) | undefined;
    expect(typeof Aborted).toBe('function');
    expect(Aborted!.prototype).toBeInstanceOf(sdk.ChannelError);
  });
});
