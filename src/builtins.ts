/**
 * The engine's built-in functions and trigger types (protocol.md §5, §3.7): their ids under
 * `iii-sdk`'s names, and the shapes they take and return, so that
 * `trigger({ function_id: 'engine::workers::list', payload: {} })` is typed without type
 * arguments (function-registry.ts). The shapes are the wire's (snake_case); `listFunctions()`
 * and its siblings return the SDK's `FunctionInfo` / `TriggerInfo` / `WorkerInfo` instead.
 *
 * The client itself names these ids as string literals: a page that never imports the tables
 * never downloads them.
 */
import type { StreamChannelRef } from './channels/ref.js';

/** Ids of the engine's built-in functions (§5), under the names `iii-sdk` gives them. */
export const EngineFunctions = {
  LIST_FUNCTIONS: 'engine::functions::list',
  INFO_FUNCTIONS: 'engine::functions::info',
  LIST_WORKERS: 'engine::workers::list',
  INFO_WORKERS: 'engine::workers::info',
  /** Trigger TYPES (templates); bindings are `LIST_REGISTERED_TRIGGERS`. */
  LIST_TRIGGERS: 'engine::triggers::list',
  INFO_TRIGGERS: 'engine::triggers::info',
  /** Trigger bindings (instances). */
  LIST_REGISTERED_TRIGGERS: 'engine::registered-triggers::list',
  INFO_REGISTERED_TRIGGERS: 'engine::registered-triggers::info',
  /** Sent by the SDK on every connection (§1.2); not for application code. */
  REGISTER_WORKER: 'engine::workers::register',
  CREATE_CHANNEL: 'engine::channels::create',
  /** A durable binding made through a function instead of a `registertrigger` frame (§3.7). */
  REGISTER_TRIGGER: 'engine::register_trigger',
  UNREGISTER_TRIGGER: 'engine::unregister_trigger',
} as const;
export type EngineFunctionId = (typeof EngineFunctions)[keyof typeof EngineFunctions];

/** Ids of the engine's built-in trigger types that every engine has (§3.7). */
export const EngineTriggers = {
  /** Fires with `{event: 'functions_changed', functions}` when the function set changes (polled every 5 s). */
  FUNCTIONS_AVAILABLE: 'engine::functions-available',
  /** Fires with `{event, worker_id}` when a worker connects, disconnects or updates its metadata. */
  WORKERS_AVAILABLE: 'engine::workers-available',
  /** Log records (the observability worker). */
  LOG: 'log',
} as const;
export type EngineTriggerId = (typeof EngineTriggers)[keyof typeof EngineTriggers];

/** A row of `engine::functions::list` (§5 `FunctionSummary`). */
export interface EngineFunctionSummary {
  function_id: string;
  namespace: string;
  worker_name: string;
  description?: string;
  metadata?: Record<string, unknown>;
}

/** `engine::functions::info` (§5 `FunctionDetail`): the summary plus the formats and bindings. */
export interface EngineFunctionDetail extends EngineFunctionSummary {
  /** The function's `request_format`, as registered. */
  request_schema?: unknown;
  response_schema?: unknown;
  registered_triggers: Array<{ id: string; trigger_type: string; config: unknown }>;
}

/** A row of `engine::workers::list` (§5 `WorkerSummary`; nullable fields are present as `null`). */
export interface EngineWorkerSummary {
  id: string;
  name: string | null;
  description: string | null;
  version: string | null;
  namespace: string | null;
  runtime: string | null;
  os: string | null;
  status: string;
  function_count: number;
  connected_at_ms: number;
  active_invocations: number;
  isolation: string | null;
  ip_address: string | null;
}

/** A row of `engine::triggers::list`: a trigger TYPE. */
export interface EngineTriggerTypeSummary {
  id: string;
  namespace: string;
  worker_name: string;
  description: string;
}

export interface EngineTriggerTypeDetail extends EngineTriggerTypeSummary {
  configuration_schema?: unknown;
  request_schema?: unknown;
  response_schema?: unknown;
  instance_count: number;
}

/** A row of `engine::registered-triggers::list`: a binding. */
export interface EngineRegisteredTrigger {
  id: string;
  trigger_type: string;
  function_id: string;
  worker_name: string | null;
  config: unknown;
  /** The config as JSON, cut at 80 characters. */
  config_summary: string;
}

interface LogInput {
  message: string;
  data?: unknown;
  trace_id?: string;
  span_id?: string;
  service_name?: string;
}

/**
 * Input and output of every built-in function (§5), in the form of a function registry
 * (see `IIIFunctions`). An entry you declare in `IIIFunctions` under the same id wins.
 */
export interface IIIEngineFunctions {
  'engine::functions::list': {
    input: { search?: string; prefix?: string; worker?: string; workers?: string[]; include_internal?: boolean };
    output: { functions: EngineFunctionSummary[] };
  };
  'engine::functions::info': {
    input: { function_id: string; namespace?: string } | { function_ids: string[]; namespace?: string };
    /** One id: its detail; a batch (≤ 32 ids): a row per id, an `error` where it is hidden or missing. */
    output: EngineFunctionDetail | { functions: Array<EngineFunctionDetail | { function_id: string; error: 'forbidden' | 'not_found' }> };
  };
  'engine::triggers::list': {
    input: { search?: string; prefix?: string; worker?: string; include_internal?: boolean };
    output: { triggers: EngineTriggerTypeSummary[] };
  };
  'engine::triggers::info': { input: { id: string; namespace?: string }; output: EngineTriggerTypeDetail };
  'engine::registered-triggers::list': {
    input: { search?: string; trigger_type?: string; function_id?: string; worker?: string; include_internal?: boolean };
    output: { registered_triggers: EngineRegisteredTrigger[] };
  };
  'engine::registered-triggers::info': {
    input: { id: string };
    output: Omit<EngineRegisteredTrigger, 'config_summary'> & {
      metadata?: Record<string, unknown>;
      trigger: EngineTriggerTypeDetail | null;
      function: EngineFunctionDetail | null;
    };
  };
  'engine::workers::list': { input: { search?: string; runtime?: string; status?: string }; output: { workers: EngineWorkerSummary[] } };
  'engine::workers::info': {
    input: { name: string; namespace?: string };
    output: {
      worker: EngineWorkerSummary & { pid?: number; internal: boolean; latest_metrics?: unknown };
      functions: EngineFunctionSummary[];
      trigger_types: EngineTriggerTypeSummary[];
      registered_triggers: EngineRegisteredTrigger[];
    };
  };
  'engine::workers::register': { input: Record<string, unknown>; output: { success: boolean } };
  'engine::channels::create': { input: { buffer_size?: number }; output: { writer: StreamChannelRef; reader: StreamChannelRef } };
  'engine::register_trigger': {
    input: { trigger_type: string; function_id: string; config?: unknown; metadata?: Record<string, unknown>; trigger_namespace?: string };
    output: { id: string };
  };
  'engine::unregister_trigger': { input: { id: string; trigger_type?: string }; output: { removed: boolean } };
  'engine::log::info': { input: LogInput; output: undefined };
  'engine::log::warn': { input: LogInput; output: undefined };
  'engine::log::error': { input: LogInput; output: undefined };
  'engine::log::debug': { input: LogInput; output: undefined };
  'engine::log::trace': { input: LogInput; output: undefined };
  'engine::baggage::get': { input: { key: string }; output: { value: string | null } };
  'engine::baggage::set': { input: { key: string; value: string }; output: { success: true; note: string } };
  'engine::baggage::get_all': { input: Record<string, never>; output: { baggage: Record<string, string> } };
}

/**
 * What the engine passes to a listener's middleware function for each call it gates (§3.15);
 * the middleware decides whether and how to forward it.
 */
export interface MiddlewareFunctionInput {
  function_id: string;
  /** The caller's payload, without the injected `_caller_worker_id`. */
  payload: unknown;
  action?: { type: 'void' } | { type: 'enqueue'; queue: string } | null;
  /** The session's auth context (what the auth function returned). */
  context: Record<string, unknown>;
  /** The namespace the call addressed; forward there to stay in the caller's namespace. */
  namespace?: string;
}
