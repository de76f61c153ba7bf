// The optional reference provider of `engine::queue::enqueue` (protocol.md §3.6, §6.4): it checks
// the input like the standalone queue worker does, then invokes the target once, fire-and-forget
// (no retries, no dead-letter queue).
import { DEFAULT_NS } from '../namespaces.js';
import type { QueueOptions } from '../options.js';
import type { BuiltinServices } from '../services.js';
import { defineBuiltin, fail, ok } from './define.js';

export function installQueueProvider(services: BuiltinServices, queue: QueueOptions): void {
  const names = new Set(queue.queues);
  defineBuiltin(services, 'iii-queue', 'engine::queue::enqueue', (inp) => {
    const q = (inp.str('queue') ?? '').trim();
    const fn = (inp.str('function_id') ?? '').trim();
    const receipt = (inp.str('messageReceiptId') ?? '').trim();
    const ns = inp.str('namespace') ?? DEFAULT_NS;
    if (q === '') return fail('invocation_failed', 'queue is required');
    if (fn === '') return fail('invocation_failed', 'function_id is required');
    if (receipt === '') return fail('invocation_failed', 'messageReceiptId is required');
    if (!names.has(q)) return fail('invocation_failed', `queue '${q}' is not defined; call queue::define before enqueueing`);
    const data = inp.any('data') ?? null;
    services.timers.after(queue.deliveryDelayMs ?? 0, () => {
      if (!services.isClosed) void services.callInternal(ns, fn, data);
    });
    return ok({ messageReceiptId: receipt });
  });
}
