/**
 * The routes of the engine's `registertrigger` and `unregistertrigger` (§3.7). Only a provider
 * of trigger types receives them, so the code that takes them (bindings.ts) is loaded on first
 * use (lazy.ts): when the worker registers a trigger type (`preloadBindings`), else at the first
 * delivery. Deliveries and removals reach it in arrival order; a provider's handler runs
 * asynchronously either way. If it cannot load (a page gone offline), the delivery is refused
 * with `trigger_registration_failed`, so that the binding's originator hears of it, and the next
 * delivery imports it again.
 */
import { ErrorCode, errorMessage } from '../errors.js';
import { lazily } from '../lazy.js';
import { encodeFrame, type InboundRegisterTriggerFrame, type InboundUnregisterTriggerFrame } from '../protocol/index.js';
import type { BindingsContext } from './bindings.js';

const code = lazily(() => import('./bindings.js'));

/** Starts loading bindings.ts; a failure is left to the first delivery. */
export function preloadBindings(): void {
  code(() => undefined).catch(() => undefined);
}

export class Bindings {
  readonly #ctx: BindingsContext;

  constructor(ctx: BindingsContext) {
    this.#ctx = ctx;
  }

  deliver(frame: InboundRegisterTriggerFrame): void {
    const ctx = this.#ctx;
    code((m) => m.deliver(ctx, frame)).catch((error: unknown) => {
      const { id, trigger_type, function_id } = frame;
      const message = `this worker could not load its code for trigger-type bindings: ${errorMessage(error)}`;
      ctx.link.submit('reply', encodeFrame({ type: 'triggerregistrationresult', id, trigger_type, function_id, error: { code: ErrorCode.TriggerRegistrationFailed, message } }));
      ctx.report(new Error(`binding ${id} of trigger type "${trigger_type}" refused: ${message}`, { cause: error }));
    });
  }

  remove(frame: InboundUnregisterTriggerFrame): void {
    const ctx = this.#ctx;
    // After a failed load no binding was taken: nothing to release.
    code((m) => m.remove(ctx, frame)).catch(() => undefined);
  }
}
