/**
 * Wire frames (protocol.md §2.3). Inbound frames (engine → worker) have one valibot schema
 * each and are validated once, at the edge, by `decodeFrame`; outbound frames are plain types
 * the SDK builds itself. Field names follow the wire (snake_case).
 */
import * as v from 'valibot';
import { MessageType } from './message-type.js';

// `null` and absent are equivalent for optional fields (§2.1), so every optional field
// accepts both. `nullish` keeps the hot path to a single check per field.
const optString = v.nullish(v.string());

export const ErrorBodySchema = v.object({
  code: v.string(),
  message: v.string(),
  stacktrace: optString,
});

export const WorkerRegisteredSchema = v.object({
  type: v.literal(MessageType.WorkerRegistered),
  worker_id: v.string(),
  reattach_token: optString,
});

export const RegistrationRejectedSchema = v.object({
  type: v.literal(MessageType.RegistrationRejected),
  code: v.string(),
  namespace: v.string(),
  worker_name: optString,
  function_id: optString,
  owner_worker_id: v.string(),
});

export const InvokeFunctionSchema = v.object({
  type: v.literal(MessageType.InvokeFunction),
  // Always present when the engine sends it (§2.1); optional here because a void
  // delivery without one must still run (§3.3 "No invocation_id").
  invocation_id: optString,
  function_id: v.string(),
  // Required by the engine's serde; lenient here, since a missing payload is just `null`.
  data: v.optional(v.unknown()),
  traceparent: optString,
  baggage: optString,
  metadata: v.optional(v.unknown()),
});

export const InvocationResultSchema = v.object({
  type: v.literal(MessageType.InvocationResult),
  invocation_id: v.string(),
  function_id: v.string(),
  result: v.optional(v.unknown()),
  error: v.nullish(ErrorBodySchema),
  traceparent: optString,
  baggage: optString,
});

export const RegisterTriggerSchema = v.object({
  type: v.literal(MessageType.RegisterTrigger),
  id: v.string(),
  trigger_type: v.string(),
  function_id: v.string(),
  config: v.optional(v.unknown()),
  metadata: v.optional(v.unknown()),
  namespace: optString,
  trigger_namespace: optString,
});

export const UnregisterTriggerSchema = v.object({
  type: v.literal(MessageType.UnregisterTrigger),
  id: v.string(),
  trigger_type: optString,
});

export const TriggerRegistrationResultSchema = v.object({
  type: v.literal(MessageType.TriggerRegistrationResult),
  id: v.string(),
  trigger_type: v.string(),
  function_id: v.string(),
  error: v.nullish(ErrorBodySchema),
});

export const PongSchema = v.object({ type: v.literal(MessageType.Pong) });

export const AuthErrorSchema = v.object({
  type: v.literal(MessageType.Error),
  error: ErrorBodySchema,
});

export type ErrorBodyFrame = v.InferOutput<typeof ErrorBodySchema>;
export type WorkerRegisteredFrame = v.InferOutput<typeof WorkerRegisteredSchema>;
export type RegistrationRejectedFrame = v.InferOutput<typeof RegistrationRejectedSchema>;
export type InboundInvokeFrame = v.InferOutput<typeof InvokeFunctionSchema>;
export type InvocationResultFrame = v.InferOutput<typeof InvocationResultSchema>;
export type InboundRegisterTriggerFrame = v.InferOutput<typeof RegisterTriggerSchema>;
export type InboundUnregisterTriggerFrame = v.InferOutput<typeof UnregisterTriggerSchema>;
export type TriggerRegistrationResultFrame = v.InferOutput<typeof TriggerRegistrationResultSchema>;
export type PongFrame = v.InferOutput<typeof PongSchema>;
export type AuthErrorFrame = v.InferOutput<typeof AuthErrorSchema>;

export type InboundFrame =
  | WorkerRegisteredFrame
  | RegistrationRejectedFrame
  | InboundInvokeFrame
  | InvocationResultFrame
  | InboundRegisterTriggerFrame
  | InboundUnregisterTriggerFrame
  | TriggerRegistrationResultFrame
  | PongFrame
  | AuthErrorFrame;

/** The schema for each inbound `type`; anything else is ignored (forward compatibility). */
export const inboundSchemas: Readonly<Record<string, v.GenericSchema<unknown, InboundFrame>>> = {
  [MessageType.WorkerRegistered]: WorkerRegisteredSchema,
  [MessageType.RegistrationRejected]: RegistrationRejectedSchema,
  [MessageType.InvokeFunction]: InvokeFunctionSchema,
  [MessageType.InvocationResult]: InvocationResultSchema,
  [MessageType.RegisterTrigger]: RegisterTriggerSchema,
  [MessageType.UnregisterTrigger]: UnregisterTriggerSchema,
  [MessageType.TriggerRegistrationResult]: TriggerRegistrationResultSchema,
  [MessageType.Pong]: PongSchema,
  [MessageType.Error]: AuthErrorSchema,
};

// ---- outbound (worker → engine) ----

export type TriggerActionFrame = { type: 'void' } | { type: 'enqueue'; queue: string };

export interface HttpInvocationFrame {
  url: string;
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  timeout_ms?: number;
  headers?: Record<string, string>;
  auth?:
    | { type: 'hmac'; secret_key: string }
    | { type: 'bearer'; token_key: string }
    | { type: 'api_key'; header: string; value_key: string };
}

export interface RegisterFunctionFrame {
  type: 'registerfunction';
  id: string;
  description?: string;
  request_format?: unknown;
  response_format?: unknown;
  metadata?: unknown;
  invocation?: HttpInvocationFrame;
}

export interface OutboundInvokeFrame {
  type: 'invokefunction';
  invocation_id?: string;
  function_id: string;
  /** Always present, `null` for no payload (§2.3, §7 item 16). */
  data: unknown;
  traceparent?: string;
  baggage?: string;
  action?: TriggerActionFrame;
  metadata?: unknown;
  namespace?: string;
}

export interface OutboundInvocationResultFrame {
  type: 'invocationresult';
  invocation_id: string;
  function_id: string;
  result?: unknown;
  error?: { code: string; message: string; stacktrace?: string };
  traceparent?: string;
  baggage?: string;
}

export interface RegisterTriggerTypeFrame {
  type: 'registertriggertype';
  id: string;
  description: string;
  trigger_request_format?: unknown;
  call_request_format?: unknown;
}

export interface OutboundRegisterTriggerFrame {
  type: 'registertrigger';
  id: string;
  trigger_type: string;
  function_id: string;
  /** Always present, `null` when the user gave none (§7 item 16). */
  config: unknown;
  metadata?: unknown;
  namespace?: string;
  trigger_namespace?: string;
}

export interface OutboundUnregisterTriggerFrame {
  type: 'unregistertrigger';
  id: string;
  trigger_type?: string;
}

export interface OutboundTriggerRegistrationResultFrame {
  type: 'triggerregistrationresult';
  id: string;
  trigger_type: string;
  function_id: string;
  error?: { code: string; message: string };
}

export interface ReattachFrame {
  type: 'reattach';
  previous_worker_id: string;
  reattach_token?: string;
}

export type OutboundFrame =
  | RegisterFunctionFrame
  | { type: 'unregisterfunction'; id: string }
  | OutboundInvokeFrame
  | OutboundInvocationResultFrame
  | RegisterTriggerTypeFrame
  | OutboundRegisterTriggerFrame
  | OutboundUnregisterTriggerFrame
  | OutboundTriggerRegistrationResultFrame
  | ReattachFrame
  | { type: 'ping' };
