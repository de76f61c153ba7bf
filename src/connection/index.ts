export { Connection, type ConnectionOptions, type ConnectionHandlers, type HeartbeatOptions, type IIIConnectionState, type StateChange } from './connection.js';
export { backoffDelay, type ReconnectOptions } from './backoff.js';
export { Outbox } from './outbox.js';
export { transportFromConstructor, type WebSocketConstructor, type WebSocketLike } from './websocket-transport.js';
