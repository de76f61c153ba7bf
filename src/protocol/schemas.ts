/**
 * The specification of every inbound frame (protocol.md §2.3), as valibot schemas. The frame
 * types of frames.ts are inferred from them, and a test holds the runtime decoder (decode.ts,
 * a table of typeof checks that costs a page a few hundred bytes instead of valibot's few
 * kilobytes) to the same verdict and the same output for every type. Nothing imports this module
 * at run time. Field names follow the wire (snake_case).
 */
import * as v from 'valibot';
import { MessageType } from './message-type.js';

// `null` and absent are equivalent for optional fields (§2.1), so every optional field
// accepts both.
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

/** The schema of each inbound `type`; any other type is ignored (forward compatibility, §3.14). */
export const inboundSchemas: Readonly<Record<string, v.GenericSchema>> = {
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

