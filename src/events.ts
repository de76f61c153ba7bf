/**
 * What the client tells its listeners: the connection states of the seed, the typed events, and
 * the small emitter behind `III.on/once/off` (eventemitter3's semantics for what this SDK uses:
 * listeners run in the order they were added, over a snapshot, so one that removes itself or
 * another does not skip anyone; an event nobody listens to, `error` included, does nothing).
 */
import type { IIIInvocationError, RegistrationRejectedError } from './errors.js';

/** `IIIConnectionState` of the seed. */
export type IIIConnectionState = 'disconnected' | 'connecting' | 'connected' | 'reconnecting' | 'failed';

export interface StateChange {
  state: IIIConnectionState;
  /** Why the socket went away or why the client gave up. */
  error?: Error;
  /** For `reconnecting`: the retry number (1-based) and its delay. */
  attempt?: number;
  delayMs?: number;
}

export type ConnectionStateListener = (state: IIIConnectionState, change: StateChange) => void;

/** Typed events of the client. */
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

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the map holds every event's listeners
type Listener = { fn: (...args: any[]) => void; once: boolean };

/** Emits the events of `T` (event name → argument tuple). */
export class Emitter<T extends { [K in keyof T]: unknown[] }> {
  /** Replaced, never mutated, on every change: an emit iterates the array it started with. */
  #listeners = new Map<keyof T, Listener[]>();

  on<K extends keyof T>(event: K, fn: (...args: T[K]) => void, once = false): void {
    this.#listeners.set(event, [...(this.#listeners.get(event) ?? []), { fn, once }]);
  }

  /** Removes `fn` (however it was added), or every listener of `event` when `fn` is omitted. */
  off<K extends keyof T>(event: K, fn?: (...args: T[K]) => void): void {
    this.#keep(event, (l) => fn !== undefined && l.fn !== fn);
  }

  emit<K extends keyof T>(event: K, ...args: T[K]): void {
    for (const listener of this.#listeners.get(event) ?? []) {
      if (listener.once) this.#keep(event, (l) => l !== listener);
      listener.fn(...args);
    }
  }

  #keep(event: keyof T, keep: (l: Listener) => boolean): void {
    const left = (this.#listeners.get(event) ?? []).filter(keep);
    if (left.length) this.#listeners.set(event, left);
    else this.#listeners.delete(event);
  }

  clear(): void {
    this.#listeners.clear();
  }
}
