/**
 * Helpers on top of `trigger()`: the engine's listings (§5), data channels (§4.1) and the
 * functions-available subscription (§3.7). The listings' decoders (info.ts) are imported on first
 * use, beside the engine call: every listing is async anyway, and most workers never list
 * anything, so the entry does not carry them (PRACTICES.md item 13).
 */
import type { ChannelReader } from '../channels/reader.js';
import type { ChannelWriter } from '../channels/writer.js';
import type { StreamChannelRef } from '../channels/ref.js';
import type { FunctionInfo, TriggerInfo, WorkerInfo } from '../info.js';
import type { ChannelEnds } from './channel-ends.js';
import { lazily } from '../lazy.js';
import type { ClientContext, WorkerApi } from './context.js';

/** Result of `createChannel()`. */
export interface Channel {
  reader: ChannelReader;
  writer: ChannelWriter;
  readerRef: StreamChannelRef;
  writerRef: StreamChannelRef;
}

export type FunctionListOptions = { include_internal?: boolean; prefix?: string; search?: string };
export type TriggerListOptions = { include_internal?: boolean; trigger_type?: string; function_id?: string };

export async function createChannel(api: Pick<WorkerApi, 'trigger'>, ends: ChannelEnds, bufferSize?: number): Promise<Channel> {
  const payload = bufferSize === undefined ? {} : { buffer_size: bufferSize };
  const result = (await api.trigger({ function_id: 'engine::channels::create', payload })) as {
    reader: StreamChannelRef;
    writer: StreamChannelRef;
  };
  return { reader: ends.reader(result.reader), writer: ends.writer(result.writer), readerRef: result.reader, writerRef: result.writer };
}

/** The decoders of info.ts, imported once (see the module comment). */
const decoders = lazily(() => import('../info.js'));

/** Calls an engine listing and decodes its answer; the decoders load while the call is out. */
function list<T>(api: Pick<WorkerApi, 'trigger'>, function_id: string, payload: object, decode: 'toFunctionInfos' | 'toTriggerInfos' | 'toWorkerInfos'): Promise<T> {
  return Promise.all([api.trigger({ function_id, payload }), decoders((m) => m)]).then(([result, m]) => m[decode](result) as T);
}

export function listFunctions(api: Pick<WorkerApi, 'trigger'>, options: FunctionListOptions): Promise<FunctionInfo[]> {
  return list(api, 'engine::functions::list', { ...options }, 'toFunctionInfos');
}

export function listTriggers(api: Pick<WorkerApi, 'trigger'>, options: TriggerListOptions): Promise<TriggerInfo[]> {
  return list(api, 'engine::registered-triggers::list', { ...options }, 'toTriggerInfos');
}

export function listWorkers(api: Pick<WorkerApi, 'trigger'>): Promise<WorkerInfo[]> {
  return list(api, 'engine::workers::list', {}, 'toWorkerInfos');
}

/** Registers an internal function (hidden from listings) and binds it; returns an unsubscribe. */
export function onFunctionsAvailable(
  api: Pick<WorkerApi, 'registerFunction' | 'registerTrigger'>,
  ctx: Pick<ClientContext, 'platform' | 'report'>,
  callback: (functions: FunctionInfo[]) => void,
): () => void {
  const functionId = `iii::sdk::functions-available::${ctx.platform.randomUUID()}`;
  const ref = api.registerFunction(
    functionId,
    async (data: unknown) => {
      const { toFunctionInfos } = await decoders((m) => m);
      try {
        callback(toFunctionInfos(data));
      } catch (err) {
        ctx.report(err);
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
