/**
 * The one public surface. Every platform entry re-exports this module and binds
 * `registerWorker` to its platform with `createClientFactory`.
 */
import type { ChannelReader } from './channels/reader.js';
import type { ChannelWriter } from './channels/writer.js';
import { III, type ClientDeps } from './client.js';
import type { InitOptions } from './options.js';
import type { Platform } from './platform.js';

export { III, type IIIEvents, type ConnectionStateListener, type Channel, type ClientDeps } from './client.js';
export type { IIIConnectionState, StateChange } from './events.js';
export type { ReadyOptions } from './session/ready.js';
export {
  DEFAULT_ADDRESS,
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  DEFAULT_HEARTBEAT,
  DEFAULT_INVOCATION_TIMEOUT_MS,
  DEFAULT_LOG_LEVEL,
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_ON_AUTH_ERROR,
  DEFAULT_RECONNECT,
  type AuthErrorPolicy,
  type HeartbeatOptions,
  type ReconnectOptions,
  type InitOptions,
  type TracePropagator,
} from './options.js';
export {
  ChannelAbortedError,
  ChannelError,
  ErrorCode,
  IIIForbiddenError,
  IIIInvocationError,
  IIITimeoutError,
  InvocationError,
  RegistrationRejectedError,
  type ChannelErrorCode,
  type ErrorBody,
} from './errors.js';
export type { FunctionInfo, TriggerInfo, WorkerInfo } from './info.js';
export { Logger, type LogLevel } from './logger.js';
export { MessageType } from './protocol/index.js';
export { RegisterFunctionFormat, type JsonSchema, type FunctionFormat } from './schema.js';
export { TriggerAction } from './types.js';
export type {
  EnqueueResult,
  FunctionHandler,
  FunctionRef,
  HttpInvocationConfig,
  InvocationContext,
  JsonValue,
  RegisterFunctionOptions,
  RegisterTriggerInput,
  RegisterTriggerTypeInput,
  Trigger,
  TriggerConfig,
  TriggerHandler,
  TriggerRequest,
  TriggerTypeRef,
} from './types.js';
export type { StreamChannelRef } from './channels/ref.js';
export { ChannelDirection, ChannelItem, createChannel, extractChannelRefs, isChannelRef } from './channels/helpers.js';
export type { Platform, Transport, TransportFactory, TransportHandlers, RuntimeInfo, WebSocketConstructor, WebSocketLike } from './platform.js';
export { SDK_VERSION } from './version.js';

export type RegisterWorker<TReader = ChannelReader, TWriter = ChannelWriter> = (address?: string, options?: InitOptions) => III<TReader, TWriter>;

/**
 * Binds `registerWorker` to a platform. `platform` may be a factory, called once per client, so
 * that importing an entry does no work (DESIGN.md: nothing at module scope). `deps` are the
 * entry's own channel classes, the ones its clients hand out.
 */
export function createClientFactory<TReader = ChannelReader, TWriter = ChannelWriter>(
  platform: Platform | (() => Platform),
  deps: ClientDeps<TReader, TWriter> = {},
): RegisterWorker<TReader, TWriter> {
  return (address, options) => new III<TReader, TWriter>(typeof platform === 'function' ? platform() : platform, address, options, deps);
}
