// Trigger types, bindings, provider resolution, parking and re-delivery (protocol.md §3.7,
// §8 items 18, 19, 27–29). The registry decides what providers are told; the frames go out
// through the `Deliver` its caller passes, which sends them on behalf of whoever caused them
// (so a provider that stops reading slows that party down, §8 item 22).
import type { ErrorBody } from './frames.js';
import type { WorkerConnection } from './connection.js';
import { DEFAULT_NS, nsKey } from './namespaces.js';

/** Sends one engine → provider frame. */
export type Deliver = (provider: WorkerConnection, frame: Record<string, unknown>) => void;

/** An engine-side provider (`http`, `engine::functions-available`, …). */
export interface InProcessProvider {
  workerName: string;
  /** Validates a binding; returns a rejection reason or undefined. */
  accept(binding: Binding): string | undefined;
}

export interface TriggerTypeEntry {
  id: string;
  namespace: string;
  description: string;
  trigger_request_format?: unknown;
  call_request_format?: unknown;
  /** WS provider, or … */
  conn?: WorkerConnection;
  /** … in-process provider. */
  inProcess?: InProcessProvider;
}

export interface Binding {
  id: string;
  trigger_type: string;
  function_id: string;
  config: unknown;
  metadata?: unknown;
  /** Target namespace as given (undefined = default). */
  namespace?: string;
  trigger_namespace?: string;
  /** undefined = durable (`engine::register_trigger`). */
  originator: WorkerConnection | undefined;
  /** Key of the provider it is live on. */
  resolvedKey?: string;
  createdAt: number;
}

export class TriggerRegistry {
  readonly types = new Map<string, TriggerTypeEntry>();
  readonly live = new Map<string, Binding>();
  readonly parked = new Map<string, Binding>();

  /** The connection namespace an originator is "at home" in (durable bindings: default). */
  private home(b: Binding): string {
    return b.originator?.namespace ?? DEFAULT_NS;
  }

  /** §3.7 step 5: explicit `trigger_namespace` only; else home namespace, then default. */
  resolve(b: Binding): TriggerTypeEntry | undefined {
    if (b.trigger_namespace !== undefined) return this.types.get(nsKey(b.trigger_namespace, b.trigger_type));
    return this.types.get(nsKey(this.home(b), b.trigger_type)) ?? this.types.get(nsKey(DEFAULT_NS, b.trigger_type));
  }

  private keyOf(t: TriggerTypeEntry): string {
    return nsKey(t.namespace, t.id);
  }

  /** Engine → provider `registertrigger` (§2.3; `config` always sent, §8 item 19). */
  private sendToProvider(b: Binding, t: TriggerTypeEntry, deliver: Deliver): void {
    const frame: Record<string, unknown> = {
      type: 'registertrigger',
      id: b.id,
      trigger_type: b.trigger_type,
      function_id: b.function_id,
      config: b.config ?? null,
    };
    if (b.metadata !== undefined) frame.metadata = b.metadata;
    const target = b.namespace ?? DEFAULT_NS;
    if (target !== DEFAULT_NS) frame.namespace = target;
    if (t.namespace !== DEFAULT_NS) frame.trigger_namespace = t.namespace;
    if (t.conn) deliver(t.conn, frame);
  }

  private tellRemoved(b: Binding, deliver: Deliver): void {
    if (b.resolvedKey === undefined) return;
    const t = this.types.get(b.resolvedKey);
    if (t?.conn && t.conn.open && !t.conn.tearingDown) deliver(t.conn, { type: 'unregistertrigger', id: b.id, trigger_type: b.trigger_type });
  }

  /**
   * Places a binding: live on its provider, or parked. Returns an in-process rejection reason
   * (the caller reports it as `trigger_registration_failed`); nothing changes in that case.
   */
  place(b: Binding, deliver: Deliver): string | undefined {
    const t = this.resolve(b);
    if (!t || (t.conn && (!t.conn.open || t.conn.tearingDown))) {
      // Parked; an existing live record with this id stays (§8 item 18).
      b.resolvedKey = undefined;
      this.parked.set(b.id, b);
      return undefined;
    }
    if (t.inProcess) {
      const reason = t.inProcess.accept(b);
      if (reason !== undefined) return reason;
    } else {
      this.sendToProvider(b, t, deliver);
    }
    b.resolvedKey = this.keyOf(t);
    this.live.set(b.id, b);
    this.parked.delete(b.id);
    return undefined;
  }

  /** `unregistertrigger {id}` from any connection: ownership is not checked (§3.7). */
  unbind(id: string, deliver: Deliver): boolean {
    let removed = false;
    const b = this.live.get(id);
    if (b) {
      this.tellRemoved(b, deliver);
      this.live.delete(id);
      removed = true;
    }
    if (this.parked.delete(id)) removed = true;
    return removed;
  }

  /** `registertriggertype`: replace the provider for the key, then (re)deliver (§3.7, §8 item 27). */
  registerType(t: TriggerTypeEntry, deliver: Deliver): void {
    const key = this.keyOf(t);
    this.types.set(key, t);
    for (const b of [...this.live.values()]) {
      if (b.resolvedKey === key) {
        if (t.inProcess) continue;
        this.sendToProvider(b, t, deliver);
      }
    }
    for (const b of [...this.parked.values()]) {
      const r = this.resolve(b);
      if (r && this.keyOf(r) === key) this.place(b, deliver);
    }
    if (t.namespace !== DEFAULT_NS) {
      const fallbackKey = nsKey(DEFAULT_NS, t.id);
      for (const b of [...this.live.values()]) {
        if (b.resolvedKey !== fallbackKey || b.trigger_namespace !== undefined || this.home(b) !== t.namespace) continue;
        this.tellRemoved(b, deliver);
        this.place(b, deliver);
      }
    }
  }

  /** Provider ack (§3.7 "Provider answer", §8 items 28–29). Returns the error to forward. */
  handleAck(conn: WorkerConnection, id: string, error: ErrorBody | undefined, deliver: Deliver): { binding: Binding; error: ErrorBody } | undefined {
    const b = this.live.get(id);
    if (!b || b.resolvedKey === undefined) return undefined;
    const t = this.types.get(b.resolvedKey);
    if (!t || t.conn !== conn) return undefined;
    if (!error) return undefined;
    this.live.delete(id);
    b.resolvedKey = undefined;
    this.parked.set(id, b);
    // If another provider took over meanwhile, re-deliver there at once (§8 item 28).
    const now = this.resolve(b);
    if (now && now.conn !== conn) this.place(b, deliver);
    return { binding: b, error };
  }

  /** §3.13 step 4 for a departing connection. */
  removeConnection(conn: WorkerConnection, deliver: Deliver): void {
    for (const b of [...this.live.values()]) {
      if (b.originator !== conn) continue;
      this.tellRemoved(b, deliver);
      this.live.delete(b.id);
    }
    for (const b of [...this.parked.values()]) if (b.originator === conn) this.parked.delete(b.id);
    const gone = new Set<string>();
    for (const [key, t] of [...this.types]) {
      if (t.conn === conn) {
        this.types.delete(key);
        gone.add(key);
      }
    }
    if (gone.size === 0) return;
    for (const b of [...this.live.values()]) {
      if (b.resolvedKey === undefined || !gone.has(b.resolvedKey)) continue;
      this.live.delete(b.id);
      b.resolvedKey = undefined;
      this.place(b, deliver);
    }
  }

  /** Live bindings served by the in-process provider of `type` in default. */
  liveInProcess(type: string): Binding[] {
    const key = nsKey(DEFAULT_NS, type);
    return [...this.live.values()].filter((b) => b.resolvedKey === key);
  }
}
