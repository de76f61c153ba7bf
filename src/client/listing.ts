/**
 * Helpers on top of `trigger()`: the engine's listings (§5), decoded by info.ts, data channels
 * (§4.1) and the functions-available subscription (§3.7). Loaded on first use (lazy-parts.ts):
 * each helper returns a promise or reports later, and most workers never list anything, create
 * a channel or watch the function set (PRACTICES.md item 13).
 */
import type { ChannelReader } from '../channels/reader.js';
import type { ChannelWriter } from '../channels/writer.js';
import type { StreamChannelRef } from '../channels/ref.js';
import { toFunctionInfos, toTriggerInfos, toWorkerInfos, type FunctionInfo, type TriggerInfo, type WorkerInfo } from '../info.js';
import type { ChannelEnds } from './channel-ends.js';
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

type Api = Pick<WorkerApi, 'trigger'>;

export async function createChannel(api: Api, ends: ChannelEnds, bufferSize?: number): Promise<Channel> {
  const payload = bufferSize === undefined ? {} : { buffer_size: bufferSize };
  const result = (await api.trigger({ function_id: 'engine::channels::create', payload })) as {
    reader: StreamChannelRef;
    writer: StreamChannelRef;
  };
  return { reader: ends.reader(result.reader), writer: ends.writer(result.writer), readerRef: result.reader, writerRef: result.writer };
}

export async function listFunctions(api: Api, options: FunctionListOptions): Promise<FunctionInfo[]> {
  return toFunctionInfos(await api.trigger({ function_id: 'engine::functions::list', payload: { ...options } }));
}

export async function listTriggers(api: Api, options: TriggerListOptions): Promise<TriggerInfo[]> {
  return toTriggerInfos(await api.trigger({ function_id: 'engine::registered-triggers::list', payload: { ...options } }));
}

export async function listWorkers(api: Api): Promise<WorkerInfo[]> {
  return toWorkerInfos(await api.trigger({ function_id: 'engine::workers::list', payload: {} }));
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
    (data: unknown) => {
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
