/**
 * What this worker has told the engine, kept so it can be said again on every (re)connect
 * (§2.4 item 4): trigger types, then functions, then triggers, each in registration order.
 * Plain data; functions.ts and trigger-types.ts decide what the entries do.
 */
import type { IIIInvocationError, RegistrationRejectedError } from '../errors.js';
import type { AnySchema } from '../schema.js';
import type {
  OutboundFrame,
  OutboundRegisterTriggerFrame,
  RegisterFunctionFrame,
  RegisterTriggerTypeFrame,
} from '../protocol/index.js';

/** `frame` is absent while a valibot format is being converted (formats.ts): not replayed yet. */
interface Announced<F> {
  frame?: F;
}

export interface FunctionEntry extends Announced<RegisterFunctionFrame> {
  id: string;
  /** Absent for HTTP-invoked functions, which never run locally (§3.2). */
  run?: (data: unknown, metadata: unknown, context: unknown) => unknown;
  /** A valibot `request_format`: every inbound payload must pass it before `run` (calls/serving.ts). */
  schema?: AnySchema;
  rejection?: RegistrationRejectedError;
  readonly rejectionListeners: Set<(error: RegistrationRejectedError) => void>;
}

export interface TriggerEntry extends Announced<OutboundRegisterTriggerFrame> {
  id: string;
  error?: IIIInvocationError;
  readonly errorListeners: Set<(error: IIIInvocationError) => void>;
}

/** A binding delivered by the engine; remembered because `unregistertrigger` carries only the id (§2.3). */
export interface Binding {
  id: string;
  function_id: string;
  config: unknown;
  metadata?: unknown;
  namespace?: string;
  trigger_namespace?: string;
}

export interface TriggerTypeEntry extends Announced<RegisterTriggerTypeFrame> {
  id: string;
  handler: {
    registerTrigger(binding: Binding): unknown;
    unregisterTrigger(binding: Binding): unknown;
  };
  readonly bindings: Map<string, Binding>;
}

export class Registry {
  readonly functions = new Map<string, FunctionEntry>();
  readonly triggers = new Map<string, TriggerEntry>();
  readonly triggerTypes = new Map<string, TriggerTypeEntry>();

  /** The registration frames of the opening sequence, in protocol order (§2.4 item 4). */
  replay(): OutboundFrame[] {
    const frames: OutboundFrame[] = [];
    for (const t of this.triggerTypes.values()) if (t.frame) frames.push(t.frame);
    for (const f of this.functions.values()) if (f.frame) frames.push(f.frame);
    for (const t of this.triggers.values()) if (t.frame) frames.push(t.frame);
    return frames;
  }
}
