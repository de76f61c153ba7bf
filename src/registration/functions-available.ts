/**
 * `onFunctionsAvailable`: an internal function (hidden from listings) bound to the engine's
 * `engine::functions-available` trigger type, which fires when the set of functions changes
 * (polled by the engine every 5 s, §3.7).
 */
import type { FunctionInfo } from '../info.js';
import type { Platform } from '../platform.js';
import type { FunctionRef, RegisterTriggerInput, Trigger } from '../types.js';

/** The facade's own methods: the subscription registers and binds the way a user would. */
export interface SubscriberApi {
  registerFunction(
    id: string,
    handler: (data: unknown) => unknown,
    options: { description: string; metadata: Record<string, unknown> },
  ): FunctionRef;
  registerTrigger(input: RegisterTriggerInput): Trigger;
}

/**
 * Registers the listener function and its binding; returns the unsubscribe. `decode` turns the
 * engine's event into `FunctionInfo`s (info.ts, loaded with the listings).
 */
export function subscribeFunctionsAvailable(
  api: SubscriberApi,
  platform: Pick<Platform, 'randomUUID'>,
  report: (err: unknown) => void,
  decode: (data: unknown) => Promise<FunctionInfo[]>,
  callback: (functions: FunctionInfo[]) => void,
): () => void {
  const functionId = `iii::sdk::functions-available::${platform.randomUUID()}`;
  const ref = api.registerFunction(
    functionId,
    async (data) => {
      try {
        callback(await decode(data));
      } catch (err) {
        report(err);
      }
      return null;
    },
    { description: 'iii SDK: functions-available listener', metadata: { internal: true } },
  );
  const trigger = api.registerTrigger({ type: 'engine::functions-available', function_id: functionId, config: {} });
  return () => {
    trigger.unregister();
    ref.unregister();
  };
}
