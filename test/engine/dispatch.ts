// Routing of a connection's decoded frames (protocol.md §2.4 items 2–3, §3.11): invocations are
// spawned, everything else is handled inline by the read loop, and registrations wait in the
// connection's buffer until its namespace is fixed.
import type { WorkerConnection } from './connection.js';
import type { FrameOf, InboundFrame, RegistrationFrame } from './frames.js';
import { registerFunction, registerService, unregisterFunction } from './function-registration.js';
import { handleInvoke } from './invoke.js';
import type { EngineCore } from './services.js';
import { handleTriggerAck, registerTrigger, registerTriggerType, unregisterTrigger } from './trigger-registration.js';
import { parseUuid } from './uuid.js';

/** Handles one frame; a returned promise holds the read loop until it settles. */
export function dispatch(core: EngineCore, conn: WorkerConnection, frame: InboundFrame): void | Promise<unknown> {
  switch (frame.type) {
    case 'invokefunction':
      // Spawned (§2.4 item 2), so outside the read loop's try/catch: it gets its own.
      handleInvoke(core, conn, frame).catch((e: unknown) => core.log('error', 'invocation handling failed', String(e)));
      return;
    case 'invocationresult':
      core.invocations.complete(frame.invocation_id, frame.error ? { ok: false, error: frame.error } : { ok: true, result: frame.result });
      return;
    case 'ping': {
      const sent = conn.send({ type: 'pong' }, conn); // inline: the loop waits for room (§8 item 22)
      return typeof sent === 'boolean' ? undefined : sent;
    }
    case 'pong':
    case 'workerregistered':
    case 'registrationrejected':
      return;
    case 'reattach':
      return reattach(core, conn, frame);
    case 'triggerregistrationresult':
      return handleTriggerAck(core, conn, frame);
    default:
      if (conn.rejected) return;
      if (conn.namespace === undefined || conn.draining || conn.buffer.length > 0) {
        conn.buffer.push(frame);
        return;
      }
      return applyRegistration(core, conn, frame);
  }
}

/** §2.4 item 3: apply buffered registrations in order; late arrivals join the tail. */
export async function drain(core: EngineCore, conn: WorkerConnection): Promise<void> {
  if (conn.draining) return;
  conn.draining = true;
  try {
    while (conn.buffer.length > 0 && conn.alive && !conn.rejected) {
      await applyRegistration(core, conn, conn.buffer.shift()!);
    }
  } finally {
    conn.draining = false;
    if (conn.rejected || !conn.alive) conn.buffer.length = 0;
  }
}

function applyRegistration(core: EngineCore, conn: WorkerConnection, frame: RegistrationFrame): void | Promise<void> {
  if (!conn.alive || conn.rejected) return;
  switch (frame.type) {
    case 'registerfunction':
      return registerFunction(core, conn, frame);
    case 'unregisterfunction':
      return unregisterFunction(core, conn, frame);
    case 'registerservice':
      return registerService(core, conn, frame);
    case 'registertriggertype':
      return registerTriggerType(core, conn, frame);
    case 'registertrigger':
      return registerTrigger(core, conn, frame);
    case 'unregistertrigger':
      return unregisterTrigger(core, conn, frame);
  }
}

/**
 * §3.11: a valid token retires the previous connection: its read loop stops, cleanup runs, then
 * its socket is dropped without a Close frame (§8 item 31). Anything else is ignored silently.
 */
function reattach(core: EngineCore, conn: WorkerConnection, frame: FrameOf<'reattach'>): void {
  const prevId = parseUuid(frame.previous_worker_id);
  if (!prevId || prevId === conn.id) return;
  const old = core.workers.get(prevId);
  if (!old || !old.alive) return;
  if (frame.reattach_token === undefined || frame.reattach_token !== old.reattachToken) return;
  old.stopReading();
  core.cleanup(old);
  old.terminate();
}
