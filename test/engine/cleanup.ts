// Connection teardown, exactly once per connection (protocol.md §3.13, §8 items 25, 31, 40).
import type { WorkerConnection } from './connection.js';
import { Sends } from './sends.js';
import type { EngineCore } from './services.js';

export function cleanup(core: EngineCore, conn: WorkerConnection): void {
  if (conn.tearingDown || !conn.alive) return;
  conn.tearingDown = true;
  conn.cancelGrace?.();
  conn.cancelGrace = undefined;
  // 1. buffered registrations are never applied
  conn.buffer.length = 0;
  // 2. functions it still owns (not ones since taken over)
  for (const e of core.functions.ownedBy(conn)) core.functions.delete(e.namespace, e.id);
  // 3. in-flight invocations: its callers get invocation_stopped, its own calls end silently;
  //    frames it caused that still wait for room in other queues are dropped (outbound.ts)
  core.invocations.haltFor(conn);
  conn.releaseWaitingSends();
  // 4. bindings (providers get unregistertrigger), parked intents, trigger types; nobody is
  //    left to wait for these frames, so they are engine-initiated
  core.triggers.removeConnection(conn, new Sends(undefined).to);
  // 6. name leases, listing, worker_disconnected (5., owned channels: channels made by
  //    engine::channels::create have no owner)
  core.workers.remove(conn);
  conn.alive = false;
  if (!core.isClosed) core.fireWorkersAvailable({ event: 'worker_disconnected', worker_id: conn.id });
}
