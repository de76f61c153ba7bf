// Function registry keyed by (namespace, id), with first-live-owner leases (protocol.md §3.2,
// §6.3, §8 item 17). Regular and HTTP-invoked registrations share one map.
import type { HttpInvocationRef, Outcome } from './frames.js';
import type { WorkerConnection } from './connection.js';
import { nsKey } from './namespaces.js';

export interface CallContext {
  /** The WS connection that invoked the builtin (undefined for engine-internal calls). */
  caller: WorkerConnection | undefined;
  namespace: string;
  metadata?: unknown;
  /** W3C baggage of the invoking frame, when it carried one. */
  baggage?: string;
}

export type BuiltinHandler = (input: unknown, ctx: CallContext) => Outcome | Promise<Outcome>;

export interface FunctionEntry {
  id: string;
  namespace: string;
  /** WS owner (holds the lease); undefined for in-process functions. */
  owner: WorkerConnection | undefined;
  builtin?: BuiltinHandler;
  /** In-process worker name (`iii-engine-functions`, `iii-observability`, …). */
  inProcessWorker?: string;
  description?: string;
  request_format?: unknown;
  response_format?: unknown;
  metadata?: unknown;
  invocation?: HttpInvocationRef;
  registeredAt: number;
}

export class FunctionRegistry {
  private readonly map = new Map<string, FunctionEntry>();

  get(namespace: string, id: string): FunctionEntry | undefined {
    return this.map.get(nsKey(namespace, id));
  }

  set(entry: FunctionEntry): void {
    this.map.set(nsKey(entry.namespace, entry.id), entry);
  }

  delete(namespace: string, id: string): void {
    this.map.delete(nsKey(namespace, id));
  }

  all(): FunctionEntry[] {
    return [...this.map.values()];
  }

  /** Namespaces holding `id`, ascending byte order (§8 item 23). */
  namespacesFor(id: string): string[] {
    return this.all()
      .filter((e) => e.id === id)
      .map((e) => e.namespace)
      .sort(byteCompare);
  }

  /** Functions whose lease `conn` holds. */
  ownedBy(conn: WorkerConnection): FunctionEntry[] {
    return this.all().filter((e) => e.owner === conn);
  }

  /** The live WS owner holding the lease on `(namespace, id)` other than `conn` (§3.2 step 4). */
  liveHolderOtherThan(conn: WorkerConnection, namespace: string, id: string): WorkerConnection | undefined {
    const holder = this.get(namespace, id)?.owner;
    return holder && holder !== conn && holder.alive && !holder.tearingDown ? holder : undefined;
  }
}

/** Bytewise comparison of strings (UTF-8 order equals code point order). */
export function byteCompare(a: string, b: string): number {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return Buffer.compare(ab, bb);
}
