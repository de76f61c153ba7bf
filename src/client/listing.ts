/**
 * Helpers on top of `trigger()`: the engine's listings (§5), decoded by info.ts, and data
 * channels (§4.1). Loaded on first use (lazy-parts.ts): every helper here returns a promise,
 * and most workers never list anything or create a channel (PRACTICES.md item 13).
 */
import type { ChannelReader } from '../channels/reader.js';
import type { ChannelWriter } from '../channels/writer.js';
import type { StreamChannelRef } from '../channels/ref.js';
import { toFunctionInfos, toTriggerInfos, toWorkerInfos, type FunctionInfo, type TriggerInfo, type WorkerInfo } from '../info.js';
import type { ChannelEnds } from './channel-ends.js';
import type { WorkerApi } from './context.js';

export { toFunctionInfos } from '../info.js';

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
