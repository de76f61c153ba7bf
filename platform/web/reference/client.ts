/**
 * A worker's handle: `registerWorker`, its options and defaults, the connection's states and
 * events, the logger, and the runtime entries' platform factories.
 *
 * `registerWorker(address?, options?)` returns an {@link III} at once and connects in the
 * background; `await iii.ready()` waits for the engine to accept the worker. The address is the
 * engine's `ws://` or `wss://` URL, or an {@link AddressSupplier} called before every connection
 * attempt. A Node worker that serves a function, calls it, and streams through a channel:
 *
 * {@includeCode ../../../examples/node/worker.ts}
 *
 * @module client
 */
export { registerWorker } from '../../browser/index.js';
export {
  III,
  type IIIClient,
  type RegisterWorker,
  createClientFactory,
  type InitOptions,
  type AddressSupplier,
  type ReconnectOptions,
  type HeartbeatOptions,
  type AuthErrorPolicy,
  type TracePropagator,
  type ReadyOptions,
  type IIIConnectionState,
  type StateChange,
  type ConnectionStateListener,
  type IIIEvents,
  DEFAULT_ADDRESS,
  DEFAULT_ENGINE_URL,
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  DEFAULT_HEARTBEAT,
  DEFAULT_INVOCATION_TIMEOUT_MS,
  DEFAULT_LOG_LEVEL,
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_ON_AUTH_ERROR,
  DEFAULT_RECONNECT,
  Logger,
  type LogLevel,
  type LoggerOptions,
  type ConsoleSink,
  type LogForwarder,
  type WebSocketConstructor,
  type WorkerInfo,
  type MiddlewareFunctionInput,
  SDK_VERSION,
} from '../types.js';
export { createNodePlatform } from '../../node/platform.js';
export { createBrowserPlatform } from '../../browser/platform.js';
export { createDenoPlatform } from '../../deno/platform.js';
export { createBunPlatform } from '../../bun/platform.js';
export { createWorkersPlatform, type WorkersPlatformOptions } from '../../workers/platform.js';
