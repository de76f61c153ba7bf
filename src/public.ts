/**
 * The one public surface. Every platform entry re-exports this module and binds
 * `registerWorker` to its platform with `createClientFactory`.
 */
import type { ChannelReader } from './channels/reader.js';
import type { ChannelWriter } from './channels/writer.js';
import { III, type ClientDeps } from './client.js';
import type { AddressSupplier, InitOptions } from './options.js';
import type { Platform } from './platform.js';

export { III, type IIIEvents, type ConnectionStateListener, type Channel, type ClientDeps } from './client.js';
export {
  EngineFunctions,
  EngineTriggers,
  type EngineFunctionId,
  type EngineTriggerId,
  type IIIEngineFunctions,
  type EngineFunctionSummary,
  type EngineFunctionDetail,
  type EngineWorkerSummary,
  type EngineTriggerTypeSummary,
  type EngineTriggerTypeDetail,
  type EngineRegisteredTrigger,
  type MiddlewareFunctionInput,
} from './builtins.js';
export type {
  IIIFunctions,
  FunctionSignature,
  KnownFunctionId,
  FunctionInput,
  FunctionOutput,
  CallRequest,
  CallOutput,
  CallResult,
  HandlerInput,
  CallerInput,
} from './function-registry.js';
export type { IIIConnectionState, StateChange } from './events.js';
export type { ReadyOptions } from './session/ready.js';
export {
  DEFAULT_ADDRESS,
  /** `iii-sdk`'s name for {@link DEFAULT_ADDRESS}. */
  DEFAULT_ADDRESS as DEFAULT_ENGINE_URL,
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  DEFAULT_HEARTBEAT,
  DEFAULT_INVOCATION_TIMEOUT_MS,
  DEFAULT_LOG_LEVEL,
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_ON_AUTH_ERROR,
  DEFAULT_RECONNECT,
  type AddressSupplier,
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
  isErrorBody,
  type ChannelErrorCode,
  type ErrorBody,
  type EngineErrorCode,
  type IIIErrorCode,
  type IIIInvocationErrorInit,
  type InvocationErrorInit,
} from './errors.js';
export type { FunctionInfo, TriggerInfo, WorkerInfo, ListFunctionsOptions, ListTriggersOptions } from './info.js';
export { Logger, type LogLevel, type LoggerOptions, type LogForwarder, type ConsoleSink } from './logger.js';
export {
  MessageType,
  type InboundFrame,
  type OutboundFrame,
  type ErrorBodyFrame,
  type WorkerRegisteredFrame,
  type RegistrationRejectedFrame,
  type InboundInvokeFrame,
  type InvocationResultFrame,
  type InboundRegisterTriggerFrame,
  type InboundUnregisterTriggerFrame,
  type TriggerRegistrationResultFrame,
  type PongFrame,
  type AuthErrorFrame,
  type TriggerActionFrame,
  type HttpInvocationFrame,
  type RegisterFunctionFrame,
  type OutboundInvokeFrame,
  type OutboundInvocationResultFrame,
  type RegisterTriggerTypeFrame,
  type OutboundRegisterTriggerFrame,
  type OutboundUnregisterTriggerFrame,
  type OutboundTriggerRegistrationResultFrame,
  type ReattachFrame,
} from './protocol/index.js';
export { RegisterFunctionFormat, type JsonSchema, type FunctionFormat } from './schema.js';
export { TriggerAction } from './types.js';
export type {
  EnqueueResult,
  FunctionHandler,
  FunctionRef,
  RemoteFunctionHandler,
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

/**
 * Creates a worker and connects it in the background. `address`: the engine's ws:// or wss:// URL,
 * or a function that gives it before each connection attempt (a fresh token each time,
 * {@link AddressSupplier}).
 */
export type RegisterWorker<TReader = ChannelReader, TWriter = ChannelWriter> = (address?: string | AddressSupplier, options?: InitOptions) => III<TReader, TWriter>;

/**
 * The type of a worker handle (`iii-sdk`'s name): the public members of {@link III}, without its
 * private state, so that a function can take any client and a test can hand in a stand-in.
 */
export interface IIIClient extends Pick<III, keyof III> {}

declare global {
  // `III[Symbol.asyncDispose]` in a program whose lib lacks `esnext.disposable`: the shipped
  // declarations must type-check there too (TS merges this with the lib's and @types/node's).
  interface SymbolConstructor {
    readonly asyncDispose: unique symbol;
  }
}

/**
 * Binds `registerWorker` to a platform. `platform` may be a factory, called once per client, so
 * that importing an entry does no work (nothing at module scope: ARCHITECTURE.md "Layers"). `deps` are the
 * entry's own channel classes, the ones its clients hand out.
 */
export function createClientFactory<TReader = ChannelReader, TWriter = ChannelWriter>(
  platform: Platform | (() => Platform),
  deps: ClientDeps<TReader, TWriter> = {},
): RegisterWorker<TReader, TWriter> {
  return (address, options) => new III<TReader, TWriter>(typeof platform === 'function' ? platform() : platform, address, options, deps);
}
