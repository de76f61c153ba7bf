/**
 * Type-level checks (enforced by `tsc --noEmit`, run as part of the typecheck): a valibot
 * request_format types the handler's argument; trigger() result types follow the action.
 */
import * as v from 'valibot';
import { describe, expectTypeOf, it } from 'vitest';
import { III } from '../../src/client.js';
import { TriggerAction, type EnqueueResult } from '../../src/public.js';
import { fakePlatform } from './fakes.js';

describe('public types', () => {
  it('a valibot request_format types the handler argument via v.InferOutput', async () => {
    const { platform } = fakePlatform();
    const client = new III(platform, 'ws://x/', { heartbeat: false });
    client.registerFunction(
      'typed',
      (data) => {
        expectTypeOf(data).toEqualTypeOf<{ n: number; tags: string[] }>();
        return data.n;
      },
      { request_format: v.object({ n: v.number(), tags: v.array(v.string()) }) },
    );
    client.registerFunction('untyped', (data: { anything: boolean }) => data.anything, { request_format: { type: 'object' } });
    const calls = [
      client.trigger({ function_id: 'f', action: TriggerAction.Void() }),
      client.trigger({ function_id: 'f', action: TriggerAction.Enqueue({ queue: 'q' }) }),
      client.trigger<unknown, { ok: true }>({ function_id: 'f' }),
    ] as const;
    expectTypeOf(calls[0]).toEqualTypeOf<Promise<undefined>>();
    expectTypeOf(calls[1]).toEqualTypeOf<Promise<EnqueueResult>>();
    expectTypeOf(calls[2]).toEqualTypeOf<Promise<{ ok: true }>>();
    await client.shutdown();
    // The calls were queued on a client that never connected: shutdown rejects them.
    const settled = await Promise.allSettled(calls);
    expectTypeOf(settled).not.toBeAny();
  });
});
