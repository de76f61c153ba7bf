// What the protocol-area modules see of the engine: its registries and a few services. The
// engine (engine.ts) implements these interfaces; the modules receive them and never import the
// engine, so imports flow one way. Types only.
import type { WorkerConnection } from './connection.js';
import type { ChannelManager } from './channels.js';
import type { ErrorBody, Outcome } from './frames.js';
import type { FunctionEntry, FunctionRegistry } from './functions.js';
import type { InvocationTable } from './invocations.js';
import type { SendOwner } from './outbound.js';
import type { EngineSettings, LogLevel } from './options.js';
import type { Decision } from './rbac.js';
import type { Timers } from './timers.js';
import type { Binding, TriggerRegistry } from './triggers.js';
import type { WorkerRegistry } from './workers.js';

/** How an engine → function call is made (§3.3). */
export interface CallOptions {
  /** The WS connection whose invoke this is (`undefined` for engine-internal calls). */
  caller?: WorkerConnection | undefined;
  /** Reused for the target (synchronous calls); a fresh one otherwise (§8 item 16). */
  invocationId?: string | undefined;
  metadata?: unknown;
  traceparent?: string | undefined;
  baggage?: string | undefined;
  /** Whose frame caused the call: it waits when the target's writer queue is full (§8 item 22). */
  owner?: SendOwner | undefined;
}

export interface RegisteredService {
  id: string;
  name: string;
  namespace: string;
  description?: string;
  parent_service_id?: string;
}

/** What the built-in `engine::*` functions and in-process trigger types may use. */
export interface BuiltinServices {
  readonly settings: EngineSettings;
  readonly functions: FunctionRegistry;
  readonly triggers: TriggerRegistry;
  readonly workers: WorkerRegistry;
  readonly channels: Pick<ChannelManager, 'create'>;
  readonly timers: Timers;
  readonly startedAt: number;
  readonly isClosed: boolean;
  /** `engine::register_trigger` waiting for a WS provider's ack, by binding id (§3.7). */
  readonly ackWaiters: Map<string, (error: ErrorBody | undefined) => void>;
  log(level: LogLevel, message: string, data?: unknown): void;
  /** Worker-routed calls `conn` is executing (for `active_invocations`). */
  activeInvocations(conn: WorkerConnection): number;
  /** The §3.15 decision for `conn` calling `id` in `ns` (`undefined` = engine-internal: allowed). */
  decide(conn: WorkerConnection | undefined, id: string, ns: string): Decision;
  /** An engine-internal call: no `_caller_worker_id` injection (§8 item 26). */
  callInternal(ns: string, id: string, data: unknown, opts?: CallOptions): Promise<Outcome>;
  /** Fire-and-forget invocation of a binding's function (in-process trigger types, §3.7). */
  fire(binding: Binding, payload: unknown): void;
  fireWorkersAvailable(payload: Record<string, unknown>): void;
  /** Applies the connection's buffered registrations (§2.4 item 3). */
  drain(conn: WorkerConnection): void;
}

/** The engine as the connection-level modules (dispatch, invoke, registrations, cleanup) see it. */
export interface EngineCore extends BuiltinServices {
  readonly invocations: InvocationTable;
  readonly channels: ChannelManager;
  readonly registeredServices: Map<string, RegisteredService>;
  callEntry(entry: FunctionEntry, data: unknown, opts: CallOptions): Promise<Outcome | undefined>;
  cleanup(conn: WorkerConnection): void;
}
