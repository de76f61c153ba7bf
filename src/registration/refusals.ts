/**
 * The engine refusing one of this worker's functions or bindings (`OUTCOMES.functionConflict`,
 * `OUTCOMES.triggerRefused`; §3.7, §3.12): the error is recorded on the handle, its listeners are
 * called, and it is logged and emitted as an event. A refused worker is fatal instead
 * (session/outcomes.ts).
 */
import { IIIInvocationError, RegistrationRejectedError } from '../errors.js';
import type { ErrorBodyFrame, RegistrationRejectedFrame, TriggerRegistrationResultFrame } from '../protocol/index.js';
import type { RegistrationContext } from './context.js';

export type RefusalsContext = Pick<RegistrationContext, 'registry' | 'diag' | 'events' | 'report'>;

/** `FUNCTION_NAMESPACE_CONFLICT`: only that function is refused; the worker carries on (§3.12). */
export function onFunctionRejected(ctx: RefusalsContext, frame: RegistrationRejectedFrame): void {
  const fid = frame.function_id ?? '';
  const owner = frame.owner_worker_id ? `worker ${frame.owner_worker_id}` : 'the engine (reserved engine:: prefix)';
  const error = new RegistrationRejectedError({
    code: frame.code,
    message: `function "${fid}" in namespace "${frame.namespace}" is already owned by ${owner}`,
    function_id: fid,
    namespace: frame.namespace,
    owner_worker_id: frame.owner_worker_id,
  });
  const entry = ctx.registry.functions.get(fid);
  if (entry) {
    entry.rejection = error;
    notify(ctx, entry.rejectionListeners, error);
  }
  ctx.diag.warn(error.message);
  ctx.events.emit('function-rejected', error);
}

/** The engine or the provider refused one of our bindings (§3.7). */
export function onTriggerRefused(ctx: RefusalsContext, frame: TriggerRegistrationResultFrame, body: ErrorBodyFrame): void {
  const { code, message, stacktrace } = body;
  const error = IIIInvocationError.fromBody({ code, message, stacktrace: stacktrace ?? undefined }, frame.function_id);
  const entry = ctx.registry.triggers.get(frame.id);
  if (entry) {
    entry.error = error;
    notify(ctx, entry.errorListeners, error);
  }
  // An error, not a warning: the binding will never fire until the cause is fixed.
  ctx.diag.error(`trigger ${frame.id} (${frame.trigger_type} → ${frame.function_id}) refused: ${code}: ${message}`);
  ctx.events.emit('trigger-failed', { id: frame.id, trigger_type: frame.trigger_type, function_id: frame.function_id, error });
}

/** Calls each listener; one that throws is reported and does not stop the others. */
function notify<T>(ctx: RefusalsContext, listeners: Set<(value: T) => void>, value: T): void {
  for (const cb of [...listeners]) {
    try {
      cb(value);
    } catch (err) {
      ctx.report(err);
    }
  }
}
