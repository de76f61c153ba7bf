/**
 * The frame types (protocol.md §2.3). Inbound frames (engine → worker) are inferred from their
 * schemas (schemas.ts) and checked once, at the edge, by `decodeFrame`; outbound frames are
 * plain types the SDK builds itself. Field names follow the wire (snake_case).
 */
import type * as v from 'valibot';
import type {
  AuthErrorSchema,
  ErrorBodySchema,
  InvocationResultSchema,
  InvokeFunctionSchema,
  PongSchema,
  RegisterTriggerSchema,
  RegistrationRejectedSchema,
  TriggerRegistrationResultSchema,
  UnregisterTriggerSchema,
  WorkerRegisteredSchema,
} from './schemas.js';

// ---- inbound (engine → worker) ----

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
