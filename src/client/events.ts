/** The client's typed events (eventemitter3) and state listeners. */
import type { IIIConnectionState, StateChange } from '../connection/index.js';
import type { IIIInvocationError, RegistrationRejectedError } from '../errors.js';

/** Typed events of the client (eventemitter3). */
export interface IIIEvents {
  /** Every connection state change, and every scheduled retry while `reconnecting`. */
  state: [change: StateChange];
  /** The engine accepted the connection (`workerregistered`). */
  connected: [info: { workerId: string }];
  /** An inbound frame failed validation and was dropped (§3.14). */
  'protocol-error': [info: { message: string; frame: string }];
  /** The engine refused a function id (`FUNCTION_NAMESPACE_CONFLICT`, §3.12). */
  'function-rejected': [error: RegistrationRejectedError];
  /** The engine or a provider refused one of this worker's bindings (§3.7). */
  'trigger-failed': [info: { id: string; trigger_type: string; function_id: string; error: IIIInvocationError }];
  /** The engine refused the connection's credentials (§1.3). */
  'auth-error': [error: IIIInvocationError];
  /** The client stopped for good; `getFatalError()` returns the same error. */
  fatal: [error: IIIInvocationError];
  /** A user callback (trigger-type handler, functions-available callback) threw. */
  error: [error: Error];
}

export type ConnectionStateListener = (state: IIIConnectionState, change: StateChange) => void;
