// The engine: the registries every listener shares, the acceptance of a worker connection
// (protocol.md §1.3, §2.4 item 1, §3.1, §8 item 21), and shutdown. Each protocol area lives in its
// own module and sees the engine only through the interfaces of services.ts and listeners.ts.
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import { authenticate, buildAuthInput } from './auth.js';
import { installBuiltins } from './builtins/index.js';
import { callEntry, callInternal } from './calls.js';
import { ChannelManager, type Channel } from './channels.js';
import { cleanup } from './cleanup.js';
import { WorkerConnection } from './connection.js';
import { dispatch, drain } from './dispatch.js';
import type { ErrorBody, Outcome } from './frames.js';
import { FunctionRegistry, type FunctionEntry } from './functions.js';
import { InvocationTable } from './invocations.js';
import { MemoryHygiene } from './memory.js';
import type { ListenerServices } from './listeners.js';
import { DEFAULT_NS } from './namespaces.js';
import type { EngineSettings, LogLevel } from './options.js';
import { decide, type Decision, type ListenerPolicy } from './rbac.js';
import type { CallOptions, EngineCore, RegisteredService } from './services.js';
import { answerPings } from './sockets.js';
import { Timers } from './timers.js';
import { TriggerRegistry, type Binding } from './triggers.js';
import { WorkerRegistry } from './workers.js';

export class Engine implements EngineCore, ListenerServices {
  readonly timers = new Timers();
  readonly functions = new FunctionRegistry();
  readonly invocations = new InvocationTable();
  readonly triggers = new TriggerRegistry();
  readonly workers = new WorkerRegistry();
  readonly channels = new ChannelManager(this.timers);
  readonly registeredServices = new Map<string, RegisteredService>();
  readonly ackWaiters = new Map<string, (error: ErrorBody | undefined) => void>();
  readonly startedAt = Date.now();
  private readonly memory: MemoryHygiene;
  private closed = false;

  constructor(readonly settings: EngineSettings) {
    this.memory = new MemoryHygiene(this.timers, settings.ownProcess);
    installBuiltins(this);
    this.timers.every(settings.channelSweepIntervalMs, () => this.channels.sweep(settings.channelOrphanTtlMs));
  }

  get isClosed(): boolean {
    return this.closed;
  }

  log(level: LogLevel, message: string, data?: unknown): void {
    try {
      this.settings.log(level, message, data);
    } catch {
      // a user's log function must never break the engine
    }
  }

  // ---------------------------------------------------------------- services of the modules

  callEntry(entry: FunctionEntry, data: unknown, opts: CallOptions): Promise<Outcome | undefined> {
    return callEntry(this, entry, data, opts);
  }

  callInternal(ns: string, id: string, data: unknown, opts?: CallOptions): Promise<Outcome> {
    return callInternal(this, ns, id, data, opts);
  }

  decide(conn: WorkerConnection | undefined, id: string, ns: string): Decision {
    if (!conn) return { allowed: true };
    return decide(conn.session, conn.listener, id, ns, () => this.functions.get(ns, id)?.metadata);
  }

  activeInvocations(conn: WorkerConnection): number {
    return this.invocations.activeFor(conn);
  }

  /** §3.7: in-process fires are engine-initiated; their outcome only matters to `http`. */
  fire(binding: Binding, payload: unknown): void {
    if (this.closed) return;
    this.callInternal(binding.namespace ?? DEFAULT_NS, binding.function_id, payload, { metadata: binding.metadata }).catch((e: unknown) =>
      this.log('error', 'trigger fire failed', String(e)),
    );
  }

  fireWorkersAvailable(payload: Record<string, unknown>): void {
    for (const b of this.triggers.liveInProcess('engine::workers-available')) this.fire(b, payload);
  }

  drain(conn: WorkerConnection): void {
    drain(this, conn).catch((e: unknown) => this.log('error', 'applying buffered registrations failed', String(e)));
  }

  cleanup(conn: WorkerConnection): void {
    cleanup(this, conn);
  }

  // ---------------------------------------------------------------- listeners' services

  lookupChannel(id: string, key: string): Channel | undefined {
    return this.channels.lookup(id, key);
  }

  attachChannel(channel: Channel, ws: WebSocket, dir: 'read' | 'write'): void {
    this.channels.attach(channel, ws, dir);
  }

  /** Worker connection on `/` after the 101 (§2.4 item 1, §3.1). */
  acceptWorker(ws: WebSocket, req: IncomingMessage, policy: ListenerPolicy): void {
    this.admit(ws, req, policy).catch((e: unknown) => {
      this.log('error', 'accepting a worker connection failed; it is dropped', String(e));
      ws.terminate();
    });
  }

  private async admit(ws: WebSocket, req: IncomingMessage, policy: ListenerPolicy): Promise<void> {
    const input = buildAuthInput(req);
    const conn = new WorkerConnection(ws, policy, input.ip_address, {
      warn: (m) => this.log('warn', m),
      frameBytes: (n) => this.memory.frame(n),
    });
    // Frames sent meanwhile wait unread in the connection (§3.1); the auth call is its traffic.
    const auth = await authenticate(this, input, policy, conn);
    if (this.closed) return;
    if ('error' in auth) {
      // §1.3: one `error` frame, then Close without status code; no worker is registered.
      void conn.send({ type: 'error', error: { code: 'AUTH_ERROR', message: auth.error } });
      conn.closeWithoutCode();
      return;
    }
    if (!conn.open) return; // went away during auth: no worker is registered
    conn.session = auth.session;
    conn.alive = true;
    this.workers.add(conn);
    conn.onEnd(() => this.cleanup(conn));
    // §8 item 21: the grace period starts right before `workerregistered` is queued.
    conn.cancelGrace = this.timers.after(this.settings.registrationGraceMs, () => {
      conn.cancelGrace = undefined;
      if (conn.alive && this.workers.fixNamespace(conn, DEFAULT_NS)) this.drain(conn);
    });
    void conn.send({ type: 'workerregistered', worker_id: conn.id, reattach_token: conn.reattachToken });
    this.fireWorkersAvailable({ event: 'worker_connected', worker_id: conn.id });
    conn.startReading(
      (c, frame) => dispatch(this, c, frame),
      (e) => this.log('error', 'a frame handler failed; the frame is dropped', String(e)),
    );
  }

  /** Telemetry connection on `/otel`: same auth, never a worker; frames swallowed (§1.1). */
  acceptOtel(ws: WebSocket, req: IncomingMessage, policy: ListenerPolicy): void {
    answerPings(ws);
    ws.on('message', () => undefined);
    authenticate(this, buildAuthInput(req), policy, undefined).then(
      (auth) => {
        if (!('error' in auth) || ws.readyState !== ws.OPEN) return;
        ws.send(JSON.stringify({ type: 'error', error: { code: 'AUTH_ERROR', message: auth.error } }));
        ws.close();
      },
      (e: unknown) => {
        this.log('error', 'authenticating an /otel connection failed; it is dropped', String(e));
        ws.terminate();
      },
    );
  }

  // ---------------------------------------------------------------- shutdown

  /** Every connection dropped without a Close handshake (§3.13), every timer cleared. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.timers.stopAll();
    for (const c of this.workers.all()) c.terminate();
    this.channels.closeAll();
  }
}
