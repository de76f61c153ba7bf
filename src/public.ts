/**
 * The one public surface. Every platform entry re-exports this module and binds
 * `registerWorker` to its platform with `createClientFactory`.
 */
import { III, type ClientDeps } from './client.js';
import type { InitOptions } from './options.js';
import type { Platform } from './platform.js';

export { III, type IIIEvents, type ConnectionStateListener, type Channel, type ClientDeps } from './client.js';
export type { IIIConnectionState, StateChange } from './events.js';
export {
  DEFAULT_ADDRESS,
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  DEFAULT_HEARTBEAT,
  DEFAULT_INVOCATION_TIMEOUT_MS,
  DEFAULT_LOG_LEVEL,
  DEFAULT_ON_AUTH_ERROR,
  DEFAULT_RECONNECT,
  type AuthErrorPolicy,
  type HeartbeatOptions,
  type ReconnectOptions,
  type InitOptions,
  type TracePropagator,
} from './options.js';
export {
  ChannelError,
  ErrorCode,
  IIIForbiddenError,
  IIIInvocationError,
  IIITimeoutError,
  InvocationError,
  RegistrationRejectedError,
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
export type { Platform, Transport, TransportFactory, TransportHandlers, RuntimeInfo, WebSocketConstructor, WebSocketLike } from './platform.js';
export { SDK_VERSION } from './version.js';

export type RegisterWorker = (address?: string, options?: InitOptions) => III;

/**
 * Binds `registerWorker` to a platform. `platform` may be a factory, called once per client, so
 * that importing an entry does no work (DESIGN.md: nothing at module scope).
 */
export function createClientFactory(platform: Platform | (() => Platform), deps: ClientDeps = {}): RegisterWorker {
  return (address, options) => new III(typeof platform === 'function' ? platform() : platform, address, options, deps);
}
