// The shapes of worker → engine frames once decoded (protocol.md §2.2, §2.3) and of the outcome
// of a call. Decoding lives in decode.ts; this file is types only.

export interface ErrorBody {
  code: string;
  message: string;
  stacktrace?: string;
}

/** The outcome of running a function: its result, or an `ErrorBody` (§2.1, §3.3). */
export type Outcome = { ok: true; result: unknown } | { ok: false; error: ErrorBody };

export type Action = { type: 'void' } | { type: 'enqueue'; queue: string };

export interface HttpInvocationRef {
  url: string;
  method?: string;
  timeout_ms?: number;
  headers?: Record<string, string>;
  auth?: Record<string, unknown>;
}

export type InboundFrame =
  | {
      type: 'registerfunction';
      id: string;
      description?: string;
      request_format?: unknown;
      response_format?: unknown;
      metadata?: unknown;
      invocation?: HttpInvocationRef;
    }
  | { type: 'unregisterfunction'; id: string }
  | {
      type: 'invokefunction';
      invocation_id?: string; // canonical lower-case hyphenated
      function_id: string;
      data: unknown;
      traceparent?: string;
      baggage?: string;
      action?: Action;
      metadata?: unknown;
      namespace?: string;
    }
  | {
      type: 'invocationresult';
      invocation_id: string;
      function_id: string;
      result?: unknown;
      error?: ErrorBody;
    }
  | {
      type: 'registertriggertype';
      id: string;
      description: string;
      trigger_request_format?: unknown;
      call_request_format?: unknown;
      namespace?: string;
    }
  | {
      type: 'registertrigger';
      id: string;
      trigger_type: string;
      function_id: string;
      config: unknown;
      metadata?: unknown;
      namespace?: string;
      trigger_namespace?: string;
    }
  | { type: 'unregistertrigger'; id: string; trigger_type?: string }
  | { type: 'triggerregistrationresult'; id: string; trigger_type: string; function_id: string; error?: ErrorBody }
  | { type: 'registerservice'; id: string; name?: string; description?: string; parent_service_id?: string }
  | { type: 'reattach'; previous_worker_id: string; reattach_token?: string }
  | { type: 'ping' }
  | { type: 'pong' }
  | { type: 'workerregistered' }
  | { type: 'registrationrejected' };

export type FrameOf<T extends InboundFrame['type']> = Extract<InboundFrame, { type: T }>;

/** Frames applied only once the connection namespace is fixed (§2.4 item 3). */
export type RegistrationFrame = FrameOf<
  'registerfunction' | 'unregisterfunction' | 'registerservice' | 'registertriggertype' | 'registertrigger' | 'unregistertrigger'
>;

export function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
