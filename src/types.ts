/**
 * Public shapes of the worker API (TypeScript form of the seed; names of the official TS SDK
 * kept for easy migration).
 */
import type { IIIInvocationError, RegistrationRejectedError } from './errors.js';
import type { HttpInvocationFrame, TriggerActionFrame } from './protocol/index.js';
import type { AnySchema, FunctionFormat } from './schema.js';

/** Any JSON value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** What a handler learns about the invocation besides its payload and metadata. */
export interface InvocationContext {
  /** Absent for a delivery that expects no answer. */
  invocationId: string | undefined;
  functionId: string;
  /** W3C trace context the engine delivered (§2.3). */
  traceparent: string | undefined;
  baggage: string | undefined;
  /** The calling connection's worker id, which the engine injects into object payloads (§3.3). */
  callerWorkerId: string | undefined;
}

/**
 * A local function. `metadata` is the caller's per-invocation sidecar (`undefined` when none).
 * Return a value (or a promise of one); throw to answer `invocation_failed`. `data` is `unknown`
 * unless typed: narrow it, annotate it, or give `registerFunction` a valibot `request_format`.
 */
export type FunctionHandler<TInput = unknown, TOutput = unknown> = (
  data: TInput,
  metadata: JsonValue | undefined,
  context: InvocationContext,
) => TOutput | Promise<TOutput>;

/** An HTTP-invoked function: the engine calls `url` itself (§3.2); it never runs in this worker. */
export type HttpInvocationConfig = HttpInvocationFrame;

export interface RegisterFunctionOptions<TSchema extends AnySchema | undefined = undefined> {
  description?: string;
  metadata?: Record<string, unknown>;
  /** JSON Schema, a `RegisterFunctionFormat`, or a valibot schema that also validates inbound payloads. */
  request_format?: TSchema | FunctionFormat;
  response_format?: FunctionFormat;
}

/** `iii-sdk`'s name for {@link FunctionHandler}. */
export type RemoteFunctionHandler<TInput = unknown, TOutput = unknown> = FunctionHandler<TInput, TOutput>;

/**
 * A registered function. The type parameters record what it takes and returns, so that
 * `typeof ref` can be an entry of the function registry (`IIIFunctions`).
 */
export interface FunctionRef<Id extends string = string, TInput = unknown, TOutput = unknown> {
  readonly id: Id;
  /** Withdraws the function (idempotent). */
  unregister(): void;
  /** Set when the engine refused the id (`FUNCTION_NAMESPACE_CONFLICT`, §3.12). */
  readonly rejection: RegistrationRejectedError | undefined;
  /** Called when the engine refuses the id; returns an unsubscribe function. */
  onRejected(callback: (error: RegistrationRejectedError) => void): () => void;
}

export interface RegisterTriggerInput {
  /** Trigger type id (`trigger_type` on the wire). */
  type: string;
  function_id: string;
  /** Type-specific configuration; sent as `null` when omitted (§7 item 16). */
  config?: unknown;
  metadata?: Record<string, unknown>;
  /** Namespace the target function resolves in. @default the worker's namespace */
  namespace?: string;
  /** Namespace of the provider (strict when given, §3.7). */
  trigger_namespace?: string;
}

export interface Trigger {
  readonly id: string;
  /** Removes the binding (idempotent). */
  unregister(): void;
  /** Set when the engine or the provider refused the binding (`triggerregistrationresult`, §3.7). */
  readonly error: IIIInvocationError | undefined;
  onError(callback: (error: IIIInvocationError) => void): () => void;
}

/** A binding as a trigger-type provider sees it. */
export interface TriggerConfig<TConfig = unknown> {
  id: string;
  function_id: string;
  config: TConfig;
  metadata?: Record<string, unknown>;
  /** Namespace the target function resolves in (pass it when firing). */
  namespace?: string;
  trigger_namespace?: string;
}

export interface TriggerHandler<TConfig = unknown> {
  /** A binding arrived; throw to refuse it (`trigger_registration_failed`). */
  registerTrigger(binding: TriggerConfig<TConfig>): unknown;
  unregisterTrigger(binding: TriggerConfig<TConfig>): unknown;
}

export interface RegisterTriggerTypeInput {
  id: string;
  description?: string;
  /** Schema of a binding's `config`. */
  trigger_request_format?: FunctionFormat;
  /** Schema of the payload delivered when the trigger fires. */
  call_request_format?: FunctionFormat;
}

export interface TriggerTypeRef<TConfig = unknown> {
  readonly id: string;
  registerTrigger(functionId: string, config: TConfig, metadata?: Record<string, unknown>): Trigger;
  /** Registers a function and binds it to this type; the ref's `unregister()` removes both. */
  registerFunction<const Id extends string, TInput = unknown, TOutput = unknown>(
    functionId: Id,
    handler: FunctionHandler<TInput, TOutput>,
    config: TConfig,
    metadata?: Record<string, unknown>,
  ): FunctionRef<Id, TInput, TOutput>;
  /** Same as `unregisterTriggerType(this)`. */
  unregister(): void;
}

export type TriggerAction = TriggerActionFrame;

/** Routing of a `trigger()` call (§3.6). */
export const TriggerAction = {
  /** Fire and forget: `trigger()` resolves `undefined` at once. */
  Void: (): { type: 'void' } => ({ type: 'void' }),
  /** Through a named queue: `trigger()` resolves an `EnqueueResult`. */
  Enqueue: (opts: { queue: string }): { type: 'enqueue'; queue: string } => ({ type: 'enqueue', queue: opts.queue }),
} as const;

export interface EnqueueResult {
  messageReceiptId: string;
}

export interface TriggerRequest<TInput = unknown> {
  function_id: string;
  payload?: TInput;
  action?: TriggerAction;
  /** @default InitOptions.invocationTimeoutMs */
  timeoutMs?: number;
  metadata?: JsonValue;
  /** @default the worker's namespace; `"default"` for `engine::*` ids (§3.8) */
  namespace?: string;
  signal?: AbortSignal;
  /** Explicit trace context; otherwise `InitOptions.propagator.inject()` is asked. */
  traceparent?: string;
  baggage?: string;
  /**
   * Send the call again while the engine answers that it was not delivered (`function_not_found`,
   * `channel_send_failed`), until `timeoutMs`. @default InitOptions.retryUndelivered (true)
   */
  retryUndelivered?: boolean;
}

/** The result type of `trigger()` for a given action. */
export type TriggerResult<TAction, TOutput> = TAction extends { type: 'void' }
  ? undefined
  : TAction extends { type: 'enqueue' }
    ? EnqueueResult
    : TOutput;
