// The worker registry: live connections by worker id, worker-name leases and the connection
// namespace (protocol.md §1.2, §2.4 item 3, §3.8, §8 items 3–5, 38).
import type { WorkerConnection } from './connection.js';
import { nsKey } from './namespaces.js';
import { newUuid } from './uuid.js';

/** In-process workers listed by `engine::workers::list` (§8 item 38). */
export interface InProcessWorker {
  name: string;
  id: string;
}

export const ENGINE_FUNCTIONS_WORKER = 'iii-engine-functions';
export const OBSERVABILITY_WORKER = 'iii-observability';

export class WorkerRegistry {
  /** Live worker connections by worker id. */
  private readonly byId = new Map<string, WorkerConnection>();
  /** Worker-name leases `(namespace, name)` → holder (§1.2). */
  private readonly nameLeases = new Map<string, WorkerConnection>();
  readonly inProcess: InProcessWorker[] = [
    { name: ENGINE_FUNCTIONS_WORKER, id: newUuid() },
    { name: OBSERVABILITY_WORKER, id: newUuid() },
  ];

  add(conn: WorkerConnection): void {
    this.byId.set(conn.id, conn);
  }

  get(id: string): WorkerConnection | undefined {
    return this.byId.get(id);
  }

  all(): WorkerConnection[] {
    return [...this.byId.values()];
  }

  /** §3.13 step 6: the connection leaves the listing and its name leases. */
  remove(conn: WorkerConnection): void {
    for (const key of conn.leasedNames) if (this.nameLeases.get(key) === conn) this.nameLeases.delete(key);
    this.byId.delete(conn.id);
  }

  /**
   * Claims the worker-name lease `(ns, name)` (§1.2, §8 item 4). Returns the other live holder
   * when the name is taken (the caller rejects the connection, §3.12); a lease held by a
   * departed or tearing-down connection is taken over.
   */
  claimName(conn: WorkerConnection, ns: string, name: string): WorkerConnection | undefined {
    const key = nsKey(ns, name);
    const holder = this.nameLeases.get(key);
    if (holder && holder !== conn && holder.alive && !holder.tearingDown) return holder;
    this.nameLeases.set(key, conn);
    if (!conn.leasedNames.includes(key)) conn.leasedNames.push(key);
    return undefined;
  }

  /** Fixes the connection namespace once (§1.2, §8 item 5). Returns true when it was fixed now. */
  fixNamespace(conn: WorkerConnection, ns: string): boolean {
    if (conn.namespace !== undefined) return false;
    conn.namespace = ns;
    conn.cancelGrace?.();
    conn.cancelGrace = undefined;
    return true;
  }
}
