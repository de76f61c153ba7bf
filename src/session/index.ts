export { Connection, type ConnectionHandlers, type ConnectionOptions } from './connection.js';
export { ANNOUNCE_FUNCTION, Handshake } from './handshake.js';
export { OUTCOMES, rejectionOutcome, shutdownError, type Outcome } from './outcomes.js';
export { readyOptionsError, type ReadyOptions } from './ready.js';
export { transportFromConstructor } from './websocket.js';
export type { SendAction, SendKind } from './send-policy.js';
