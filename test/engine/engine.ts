// The engine core: shared state of every listener, frame dispatch, invocation routing,
// registrations and connection cleanup (protocol.md §2.4, §3, §8).
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import { WorkerConnection } from './connection.js';
import type { ErrorBody, InboundFrame } from './frames.js';
import { FunctionRegistry, type FunctionEntry, type Outcome, type CallContext } from './functions.js';
import { InvocationTable } from './invocations.js';
import { TriggerRegistry, type Binding, type InProcessProvider } from './triggers.js';
import { ChannelManager } from './channels.js';
import { buildAuthInput, decide, decodeAuthResult, forbiddenMessage, permissiveSession, type Session } from './rbac.js';
import { DEFAULT_NS, blankFieldMessage, isBlank, nsKey } from './namespaces.js';
import type { ListenerRuntime } from './listeners.js';
import { newUuid, parseUuid } from './uuid.js';
import { installBuiltins } from './builtins.js';

export type LogFn = (level: 'debug' | 'info' | 'warn' | 'error', message: string, data?: unknown) => void;

export interface EngineSettings {
  registrationGraceMs: number;
  functionsAvailablePollMs: number;
  channelOrphanTtlMs: number;
  channelSweepIntervalMs: number;
  reattachWaitMs: number;
  queue: { queues: string[]; deliveryDelayMs?: number } | undefined;
  log: LogFn;
}

type Frame<T extends InboundFrame['type']> = Extract<InboundFrame, { type: T }>;

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export const ENGINE_VERSION = '0.23.0-rc.4';

/** In-process workers listed by `engine::workers::list` (§8 item 38). */
export interface InProcessWorker {
  name: string;
  id: string;
}

export class Engine {
  readonly functions = new FunctionRegistry();
  readonly invocations = new InvocationTable();
  readonly triggers = new TriggerRegistry();
  readonly channels = new ChannelManager();
  /** Live worker connections by worker id. */
  readonly connections = new Map<string, WorkerConnection>();
  /** Worker-name leases `(namespace, name)` → holder (§1.2). */
  readonly nameLeases = new Map<string, WorkerConnection>();
  readonly services = new Map<string, { id: string; name: string; description?: string; parent_service_id?: string; namespace: string }>();
  readonly startedAt = Date.now();
  readonly inProcessWorkers: InProcessWorker[] = [
    { name: 'iii-engine-functions', id: newUuid() },
    { name: 'iii-observability', id: newUuid() },
  ];
  /** `engine::register_trigger` waiting for a WS provider's ack (§3.7). */
  readonly ackWaiters = new Map<string, (error: ErrorBody | undefined) => void>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;
  private functionsHash = '';

  constructor(readonly settings: EngineSettings) {
    installBuiltins(this);
    this.functionsHash = this.computeFunctionsHash();
    const poll = setInterval(() => this.pollFunctionsAvailable(), settings.functionsAvailablePollMs);
    poll.unref();
    this.timers.add(poll);
    const sweep = setInterval(() => this.channels.sweep(settings.channelOrphanTtlMs), settings.channelSweepIntervalMs);
    sweep.unref();
    this.timers.add(sweep);
  }

  log(level: 'debug' | 'info' | 'warn' | 'error', message: string, data?: unknown): void {
    try {
      this.settings.log(level, message, data);
    } catch {
      // logging must never break the engine
    }
  }

  // ---------------------------------------------------------------- in-process registration

  registerBuiltin(id: string, worker: string, handler: FunctionEntry['builtin'], description?: string): void {
    const e: FunctionEntry = { id, namespace: DEFAULT_NS, owner: undefined, builtin: handler, inProcessWorker: worker, registeredAt: Date.now() };
    if (description !== undefined) e.description = description;
    this.functions.set(e);
  }

  registerInProcessTriggerType(id: string, description: string, provider: InProcessProvider): void {
    this.triggers.registerType({ id, namespace: DEFAULT_NS, description, inProcess: provider });
  }

  // ---------------------------------------------------------------- connections

  /** Worker connection on `/` after the 101 (§2.4 item 1, §3.1). */
  async acceptWorker(ws: WebSocket, req: IncomingMessage, listener: ListenerRuntime): Promise<void> {
    const input = buildAuthInput(req);
    const conn = new WorkerConnection(ws, listener, input.ip_address);
    const session = await this.authenticate(ws, input, listener);
    if (!session || this.closed) return;
    if (!conn.open) return; // went away during auth: no worker is registered
    conn.session = session;
    conn.alive = true;
    this.connections.set(conn.id, conn);
    conn.onEnd(() => this.cleanup(conn));
    // §8 item 21: the grace period starts right before `workerregistered` is queued.
    conn.graceTimer = setTimeout(() => {
      conn.graceTimer = undefined;
      if (conn.namespace === undefined && conn.alive) {
        this.fixNamespace(conn, DEFAULT_NS);
        void this.drain(conn);
      }
    }, this.settings.registrationGraceMs);
    conn.send({ type: 'workerregistered', worker_id: conn.id, reattach_token: conn.reattachToken });
    this.fireWorkersAvailable({ event: 'worker_connected', worker_id: conn.id });
    conn.startReading(
      (c, f) => this.dispatch(c, f),
      (e) => this.log('error', 'a frame handler failed; the frame is dropped', String(e)),
    );
  }

  /** Telemetry connection on `/otel`: same auth, never a worker (§1.1). */
  async acceptOtel(ws: WebSocket, req: IncomingMessage, listener: ListenerRuntime): Promise<void> {
    ws.on('message', () => undefined); // OTLP frames swallowed, text ignored
    await this.authenticate(ws, buildAuthInput(req), listener);
  }

  /**
   * §1.3: no auth function → permissive session; otherwise call it in `default` and decode its
   * result. On failure: `error` frame, Close without status code, `undefined`.
   */
  private async authenticate(ws: WebSocket, input: ReturnType<typeof buildAuthInput>, listener: ListenerRuntime): Promise<Session | undefined> {
    const authId = listener.config.rbac?.auth_function_id;
    if (!authId) return permissiveSession();
    const outcome = await this.callInternal(DEFAULT_NS, authId, input);
    let message: string;
    if (!outcome.ok) message = outcome.error.message;
    else if (outcome.result === undefined || outcome.result === null) message = 'auth function returned no result';
    else {
      try {
        return decodeAuthResult(outcome.result);
      } catch (e) {
        message = (e as Error).message;
      }
    }
    if (ws.readyState === ws.OPEN) {
      ws.send(JSON.stringify({ type: 'error', error: { code: 'AUTH_ERROR', message } }));
      ws.close();
    }
    return undefined;
  }

  /** Fix the connection namespace once (§1.2, §8 item 5). Returns true when it was fixed now. */
  fixNamespace(conn: WorkerConnection, ns: string): boolean {
    if (conn.namespace !== undefined) return false;
    conn.namespace = ns;
    if (conn.graceTimer) clearTimeout(conn.graceTimer);
    conn.graceTimer = undefined;
    return true;
  }

  /** §2.4 item 3: apply buffered registrations in order; late arrivals join the tail. */
  async drain(conn: WorkerConnection): Promise<void> {
    if (conn.draining) return;
    conn.draining = true;
    try {
      while (conn.buffer.length > 0 && conn.alive && !conn.rejected) {
        await this.applyRegistration(conn, conn.buffer.shift()!);
      }
    } finally {
      conn.draining = false;
      conn.buffer.length = conn.rejected || !conn.alive ? 0 : conn.buffer.length;
    }
  }

  private dispatch(conn: WorkerConnection, frame: InboundFrame): void | Promise<void> {
    switch (frame.type) {
      case 'invokefunction':
        // Spawned (§2.4 item 2), so outside the read loop's try/catch: it gets its own.
        this.handleInvoke(conn, frame).catch((e: unknown) => this.log('error', 'invocation handling failed', String(e)));
        return;
      case 'invocationresult':
        this.invocations.complete(frame.invocation_id, frame.error ? { ok: false, error: frame.error } : { ok: true, result: frame.result });
        return;
      case 'ping':
        conn.send({ type: 'pong' });
        return;
      case 'pong':
      case 'workerregistered':
      case 'registrationrejected':
        return;
      case 'reattach':
        return this.handleReattach(conn, frame);
      case 'triggerregistrationresult':
        this.handleTriggerAck(conn, frame);
        return;
      default:
        if (conn.rejected) return;
        if (conn.namespace === undefined || conn.draining || conn.buffer.length > 0) {
          conn.buffer.push(frame);
          return;
        }
        return this.applyRegistration(conn, frame);
    }
  }

  // ---------------------------------------------------------------- reattach (§3.11)

  private async handleReattach(conn: WorkerConnection, frame: Frame<'reattach'>): Promise<void> {
    const prevId = parseUuid(frame.previous_worker_id);
    if (!prevId || prevId === conn.id) return;
    const old = this.connections.get(prevId);
    if (!old || !old.alive) return;
    if (frame.reattach_token === undefined || frame.reattach_token !== old.reattachToken) return;
    // §8 item 31: no Close frame; read loop stops, cleanup runs, then the socket is dropped.
    old.stopReading();
    this.cleanup(old);
    old.terminate();
  }

  // ---------------------------------------------------------------- registrations (§3.2, §3.7)

  private async callHook(hookId: string | undefined, input: Record<string, unknown>): Promise<Record<string, unknown> | undefined | true> {
    if (!hookId) return true;
    const o = await this.callInternal(DEFAULT_NS, hookId, input);
    if (!o.ok || !isObj(o.result)) return undefined; // silent denial (§3.15)
    return o.result;
  }

  private prefixed(conn: WorkerConnection, id: string): string {
    const p = conn.session.function_registration_prefix;
    return p === undefined ? id : `${p}::${id}`;
  }

  async applyRegistration(conn: WorkerConnection, frame: InboundFrame): Promise<void> {
    if (!conn.alive || conn.rejected) return;
    const ns = conn.namespace ?? DEFAULT_NS;
    const rbac = conn.listener.config.rbac;
    switch (frame.type) {
      case 'registerfunction': {
        if (!conn.session.allow_function_registration) return;
        let id = frame.id;
        let description = frame.description;
        let metadata = frame.metadata;
        const hook = await this.callHook(rbac?.on_function_registration_function_id, {
          function_id: id,
          description: description ?? null,
          metadata: metadata ?? null,
          namespace: ns,
          context: conn.session.context,
        });
        if (hook === undefined) return;
        if (hook !== true) {
          if (typeof hook.function_id === 'string') id = hook.function_id;
          if ('description' in hook) description = typeof hook.description === 'string' ? hook.description : undefined;
          if ('metadata' in hook) metadata = hook.metadata === null ? undefined : hook.metadata;
        }
        if (!conn.alive) return;
        const stored = this.prefixed(conn, id);
        if (stored.startsWith('engine::') && ns !== DEFAULT_NS) {
          conn.send({ type: 'registrationrejected', code: 'FUNCTION_NAMESPACE_CONFLICT', namespace: ns, function_id: stored, owner_worker_id: '' });
          return;
        }
        const existing = this.functions.get(ns, stored);
        const holder = existing?.owner;
        if (holder && holder !== conn && holder.alive && !holder.tearingDown) {
          conn.send({ type: 'registrationrejected', code: 'FUNCTION_NAMESPACE_CONFLICT', namespace: ns, function_id: stored, owner_worker_id: holder.id });
          return;
        }
        // Builtins hold no lease: a worker's registration replaces them (§8 item 17).
        const entry: FunctionEntry = { id: stored, namespace: ns, owner: conn, registeredAt: Date.now() };
        if (description !== undefined) entry.description = description;
        if (frame.request_format !== undefined) entry.request_format = frame.request_format;
        if (frame.response_format !== undefined) entry.response_format = frame.response_format;
        if (metadata !== undefined) entry.metadata = metadata;
        if (frame.invocation !== undefined) entry.invocation = frame.invocation;
        this.functions.set(entry);
        return;
      }
      case 'unregisterfunction': {
        const stored = this.prefixed(conn, frame.id);
        const e = this.functions.get(ns, stored);
        if (e && e.owner === conn) this.functions.delete(ns, stored);
        return;
      }
      case 'registerservice':
        this.services.set(nsKey(ns, frame.id), {
          id: frame.id,
          name: frame.name || frame.id,
          namespace: ns,
          ...(frame.description !== undefined ? { description: frame.description } : {}),
          ...(frame.parent_service_id !== undefined ? { parent_service_id: frame.parent_service_id } : {}),
        });
        return;
      case 'registertriggertype': {
        if (!conn.session.allow_trigger_type_registration) return;
        let id = frame.id;
        let description = frame.description;
        const hook = await this.callHook(rbac?.on_trigger_type_registration_function_id, {
          trigger_type_id: id,
          description,
          context: conn.session.context,
        });
        if (hook === undefined) return;
        if (hook !== true) {
          if (typeof hook.trigger_type_id === 'string') id = hook.trigger_type_id;
          if (typeof hook.description === 'string') description = hook.description;
        }
        if (frame.namespace !== undefined && isBlank(frame.namespace)) {
          this.log('error', 'registertriggertype with a blank namespace ignored', { id });
          return;
        }
        if (!conn.alive) return;
        this.triggers.registerType({
          id,
          namespace: frame.namespace ?? ns,
          description,
          ...(frame.trigger_request_format !== undefined ? { trigger_request_format: frame.trigger_request_format } : {}),
          ...(frame.call_request_format !== undefined ? { call_request_format: frame.call_request_format } : {}),
          conn,
        });
        return;
      }
      case 'registertrigger':
        return this.registerTriggerFromWorker(conn, frame);
      case 'unregistertrigger':
        this.triggers.unbind(frame.id);
        return;
      default:
        return;
    }
  }

  private async registerTriggerFromWorker(conn: WorkerConnection, frame: Frame<'registertrigger'>): Promise<void> {
    const fail = (id: string, type: string, fn: string, error: ErrorBody): void => {
      conn.send({ type: 'triggerregistrationresult', id, trigger_type: type, function_id: fn, error });
    };
    for (const field of ['namespace', 'trigger_namespace'] as const) {
      const v = frame[field];
      if (v !== undefined && isBlank(v)) {
        fail(frame.id, frame.trigger_type, frame.function_id, { code: 'INVALID_NAMESPACE', message: blankFieldMessage(field) });
        return;
      }
    }
    const s = conn.session;
    if (s.allowed_trigger_types !== undefined && !s.allowed_trigger_types.includes(frame.trigger_type)) return;
    let id = frame.id;
    let type = frame.trigger_type;
    let fn = frame.function_id;
    let config = frame.config;
    const targetNs = frame.namespace ?? DEFAULT_NS;
    const hook = await this.callHook(conn.listener.config.rbac?.on_trigger_registration_function_id, {
      trigger_id: id,
      trigger_type: type,
      function_id: fn,
      config,
      metadata: frame.metadata ?? null,
      namespace: targetNs,
      context: s.context,
    });
    if (hook === undefined) return;
    if (hook !== true) {
      if (typeof hook.trigger_id === 'string') id = hook.trigger_id;
      if (typeof hook.trigger_type === 'string') type = hook.trigger_type;
      if (typeof hook.function_id === 'string') fn = hook.function_id;
      if ('config' in hook) config = hook.config;
    }
    if (!conn.alive) return;
    fn = this.prefixed(conn, fn);
    const d = this.decideFor(conn, fn, targetNs);
    if (!d.allowed) {
      fail(id, type, fn, { code: 'FORBIDDEN', message: `function '${fn}' not allowed in namespace '${targetNs}'` });
      return;
    }
    const b: Binding = { id, trigger_type: type, function_id: fn, config, originator: conn, createdAt: Date.now() };
    if (frame.metadata !== undefined) b.metadata = frame.metadata;
    if (frame.namespace !== undefined) b.namespace = frame.namespace;
    if (frame.trigger_namespace !== undefined) b.trigger_namespace = frame.trigger_namespace;
    const reason = this.triggers.place(b);
    if (reason !== undefined) fail(id, type, fn, { code: 'trigger_registration_failed', message: reason });
  }

  private handleTriggerAck(conn: WorkerConnection, frame: Frame<'triggerregistrationresult'>): void {
    const b = this.triggers.live.get(frame.id);
    const waiter = this.ackWaiters.get(frame.id);
    if (waiter && b?.resolvedKey !== undefined && this.triggers.types.get(b.resolvedKey)?.conn === conn) {
      this.ackWaiters.delete(frame.id);
      waiter(frame.error);
    }
    const r = this.triggers.handleAck(conn, frame.id, frame.error);
    if (!r) return;
    const origin = r.binding.originator;
    if (origin && origin.alive) {
      origin.send({ type: 'triggerregistrationresult', id: r.binding.id, trigger_type: r.binding.trigger_type, function_id: r.binding.function_id, error: r.error });
    }
  }

  // ---------------------------------------------------------------- RBAC

  decideFor(conn: WorkerConnection | undefined, id: string, ns: string): ReturnType<typeof decide> {
    if (!conn) return { allowed: true };
    return decide(conn.session, conn.listener.config.rbac, conn.listener.exposeFilters, id, ns, () => this.functions.get(ns, id)?.metadata);
  }

  // ---------------------------------------------------------------- invocations (§3.3, §3.6)

  private sendResult(conn: WorkerConnection, invocationId: string, functionId: string, outcome: Outcome): void {
    const frame: Record<string, unknown> = { type: 'invocationresult', invocation_id: invocationId, function_id: functionId };
    // §8 item 15: error wins; a null result is sent as no `result` key; error keeps 3 keys.
    if (!outcome.ok) {
      const e: ErrorBody = { code: outcome.error.code, message: outcome.error.message };
      if (outcome.error.stacktrace !== undefined) e.stacktrace = outcome.error.stacktrace;
      frame.error = e;
    } else if (outcome.result !== undefined && outcome.result !== null) {
      frame.result = outcome.result;
    }
    conn.send(frame);
  }

  /** A worker's `invokefunction` (§3.3 processing order). Synchronous up to the builtin call. */
  async handleInvoke(conn: WorkerConnection, frame: Frame<'invokefunction'>): Promise<void> {
    const fid = frame.function_id;
    const replyId = frame.invocation_id;
    // 1. blank namespace
    if (frame.namespace !== undefined && isBlank(frame.namespace)) {
      if (replyId) this.sendResult(conn, replyId, fid, { ok: false, error: { code: 'INVALID_NAMESPACE', message: blankFieldMessage('namespace') } });
      return;
    }
    const ns = frame.namespace ?? DEFAULT_NS;
    // 2. RBAC — denial is answered even without an invocation_id (fresh id).
    const d = this.decideFor(conn, fid, ns);
    if (!d.allowed) {
      this.sendResult(conn, replyId ?? newUuid(), fid, { ok: false, error: { code: 'FORBIDDEN', message: forbiddenMessage(fid, d.forbiddenExplicitly) } });
      return;
    }
    // 3. namespace-scoped session declaring a namespace in engine::workers::register
    if (fid === 'engine::workers::register' && Object.keys(conn.session.namespaces).length > 0) {
      const declared = isObj(frame.data) && typeof frame.data.namespace === 'string' ? frame.data.namespace : DEFAULT_NS;
      if (!(declared in conn.session.namespaces)) {
        this.sendResult(conn, replyId ?? newUuid(), fid, {
          ok: false,
          error: { code: 'FORBIDDEN', message: `namespace '${declared}' not allowed for this session` },
        });
        return;
      }
    }
    // 4. middleware (not for engine-owned builtins, §3.15)
    const mw = conn.listener.config.middleware_function_id;
    const target = this.functions.get(ns, fid);
    if (mw && !(target?.builtin && fid.startsWith('engine::'))) {
      const outcome = await this.callInternal(
        ns,
        mw,
        { function_id: fid, payload: frame.data, action: frame.action ?? null, context: conn.session.context, namespace: ns },
        frame.metadata,
      );
      this.sendResult(conn, replyId ?? newUuid(), fid, outcome);
      return;
    }
    // 5. action routing
    if (frame.action?.type === 'enqueue') {
      const outcome = await this.enqueue(frame, ns, frame.action.queue);
      if (replyId) this.sendResult(conn, replyId, fid, outcome);
      return;
    }
    const isVoid = frame.action?.type === 'void';
    if (!target) {
      if (isVoid) {
        this.log('warn', `void invoke: function ${fid} not found in namespace ${ns}`);
        return;
      }
      if (replyId) this.sendResult(conn, replyId, fid, { ok: false, error: { code: 'function_not_found', message: this.notFoundMessage(fid, ns) } });
      return;
    }
    // §3.3: `_caller_worker_id` is added to object payloads of WS invokes (§8 item 26).
    const data = isObj(frame.data) ? { ...frame.data, _caller_worker_id: conn.id } : frame.data;
    const outcome = await this.callEntry(target, data, {
      caller: conn,
      invocationId: isVoid ? undefined : replyId,
      metadata: frame.metadata,
      traceparent: frame.traceparent,
      baggage: frame.baggage,
    });
    if (outcome === undefined || isVoid || !replyId) return;
    this.sendResult(conn, replyId, fid, outcome);
  }

  /** §3.3 / §8 item 23 message for a WS caller. */
  notFoundMessage(id: string, ns: string): string {
    const others = this.functions.namespacesFor(id).filter((n) => n !== ns);
    const hint = others.length > 0 ? ` It is registered in namespace(s): ${others.join(', ')}.` : '';
    return `Function ${id} not found in namespace ${ns}.${hint}`;
  }

  /**
   * Runs a resolved function. Worker functions get an `invokefunction` (prefix stripped, never
   * action/namespace) and are awaited without timeout; `undefined` = halted (caller left).
   */
  async callEntry(
    entry: FunctionEntry,
    data: unknown,
    opts: { caller?: WorkerConnection | undefined; invocationId?: string | undefined; metadata?: unknown; traceparent?: string | undefined; baggage?: string | undefined },
  ): Promise<Outcome | undefined> {
    if (entry.builtin) {
      const ctx: CallContext = { caller: opts.caller, namespace: entry.namespace };
      if (opts.metadata !== undefined) ctx.metadata = opts.metadata;
      if (opts.baggage !== undefined) ctx.baggage = opts.baggage;
      try {
        return await entry.builtin(data, ctx);
      } catch (e) {
        return { ok: false, error: { code: 'invocation_failed', message: (e as Error).message } };
      }
    }
    if (entry.invocation) {
      return { ok: false, error: { code: 'http_request_failed', message: 'no HTTP functions worker in the reference engine' } };
    }
    const owner = entry.owner;
    if (!owner || !owner.open || owner.tearingDown) {
      return { ok: false, error: { code: 'channel_send_failed', message: 'worker connection closed' } };
    }
    const id = opts.invocationId ?? newUuid();
    let fnId = entry.id;
    const prefix = owner.session.function_registration_prefix;
    if (prefix !== undefined && fnId.startsWith(`${prefix}::`)) fnId = fnId.slice(prefix.length + 2);
    const frame: Record<string, unknown> = { type: 'invokefunction', invocation_id: id, function_id: fnId, data };
    if (opts.metadata !== undefined) frame.metadata = opts.metadata;
    if (opts.traceparent !== undefined) frame.traceparent = opts.traceparent;
    if (opts.baggage !== undefined) frame.baggage = opts.baggage;
    const result = this.invocations.track(id, opts.caller, owner);
    if (!owner.send(frame)) {
      const failed: Outcome = owner.open
        ? { ok: false, error: { code: 'serialization_error', message: 'the invocation could not be serialised for the worker' } }
        : { ok: false, error: { code: 'channel_send_failed', message: 'worker connection closed' } };
      this.invocations.complete(id, failed);
    }
    return result;
  }

  /** Engine-internal call (auth, hooks, middleware, trigger fires, enqueue provider): no injection. */
  async callInternal(ns: string, id: string, data: unknown, metadata?: unknown): Promise<Outcome> {
    const entry = this.functions.get(ns, id);
    if (!entry) return { ok: false, error: { code: 'function_not_found', message: `Function ${id} not found in namespace ${ns}` } };
    const o = await this.callEntry(entry, data, { metadata });
    return o ?? { ok: false, error: { code: 'invocation_stopped', message: 'Invocation stopped' } };
  }

  /** §3.6 enqueue through `engine::queue::enqueue` in `default`. */
  private async enqueue(frame: Frame<'invokefunction'>, ns: string, queue: string): Promise<Outcome> {
    const messageReceiptId = newUuid();
    const input: Record<string, unknown> = {
      queue,
      function_id: frame.function_id,
      data: frame.data,
      messageReceiptId,
      traceparent: frame.traceparent ?? null,
      baggage: frame.baggage ?? null,
    };
    if (ns !== DEFAULT_NS) input.namespace = ns;
    const o = await this.callInternal(DEFAULT_NS, 'engine::queue::enqueue', input);
    if (o.ok) return { ok: true, result: { messageReceiptId } };
    if (o.error.code === 'function_not_found' && !this.functions.get(DEFAULT_NS, 'engine::queue::enqueue')) {
      return {
        ok: false,
        error: {
          code: 'enqueue_error',
          message:
            'No queue provider is installed. `TriggerAction::Enqueue` routes through the `engine::queue::enqueue` provider, which the standalone queue worker registers. Add it with `iii worker add queue`. (underlying: ' +
            o.error.message +
            ')',
        },
      };
    }
    return { ok: false, error: { code: 'enqueue_error', message: `${o.error.code}: ${o.error.message}` } };
  }

  // ---------------------------------------------------------------- built-in trigger fires

  fireWorkersAvailable(payload: Record<string, unknown>): void {
    for (const b of this.triggers.liveInProcess('engine::workers-available')) this.fireBinding(b, payload);
  }

  fireBinding(b: Binding, payload: unknown): void {
    if (this.closed) return;
    void this.callInternal(b.namespace ?? DEFAULT_NS, b.function_id, payload, b.metadata);
  }

  computeFunctionsHash(): string {
    return this.functions
      .all()
      .map((e) => nsKey(e.namespace, e.id))
      .sort()
      .join('\u0001');
  }

  private pollFunctionsAvailable(): void {
    const h = this.computeFunctionsHash();
    if (h === this.functionsHash) return;
    this.functionsHash = h;
    const bindings = this.triggers.liveInProcess('engine::functions-available');
    if (bindings.length === 0) return;
    const functions = this.functionSummaries(undefined, true);
    for (const b of bindings) this.fireBinding(b, { event: 'functions_changed', functions });
  }

  /** Every function as `FunctionSummary`, sorted by id then namespace (§5). */
  functionSummaries(filter: ((e: FunctionEntry) => boolean) | undefined, includeInternal: boolean): Array<Record<string, unknown>> {
    return this.functions
      .all()
      .filter((e) => includeInternal || !isInternalFunction(e))
      .filter((e) => !filter || filter(e))
      .sort((a, b) => (a.id === b.id ? cmp(a.namespace, b.namespace) : cmp(a.id, b.id)))
      .map((e) => this.functionSummary(e));
  }

  functionSummary(e: FunctionEntry): Record<string, unknown> {
    const s: Record<string, unknown> = { function_id: e.id, namespace: e.namespace, worker_name: this.workerNameOf(e) };
    if (e.description !== undefined) s.description = e.description;
    if (e.metadata !== undefined) s.metadata = e.metadata;
    return s;
  }

  workerNameOf(e: FunctionEntry): string {
    return e.owner?.name ?? e.inProcessWorker ?? e.id.split('::')[0] ?? e.id;
  }

  // ---------------------------------------------------------------- cleanup (§3.13)

  cleanup(conn: WorkerConnection): void {
    if (conn.tearingDown || !conn.alive) return;
    conn.tearingDown = true;
    if (conn.graceTimer) clearTimeout(conn.graceTimer);
    conn.graceTimer = undefined;
    // 1. buffered registrations are never applied
    conn.buffer.length = 0;
    // 2. functions it still owns
    for (const e of this.functions.ownedBy(conn)) this.functions.delete(e.namespace, e.id);
    // 3. in-flight invocations
    this.invocations.haltFor(conn);
    // 4. bindings, parked intents, trigger types
    this.triggers.removeConnection(conn);
    // 6. name leases, listing, worker_disconnected
    for (const key of conn.leasedNames) if (this.nameLeases.get(key) === conn) this.nameLeases.delete(key);
    conn.alive = false;
    this.connections.delete(conn.id);
    if (!this.closed) this.fireWorkersAvailable({ event: 'worker_disconnected', worker_id: conn.id });
  }

  // ---------------------------------------------------------------- shutdown

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    this.timers.clear();
    for (const c of [...this.connections.values()]) {
      if (c.graceTimer) clearTimeout(c.graceTimer);
      c.terminate();
    }
    this.channels.closeAll();
  }

  get isClosed(): boolean {
    return this.closed;
  }
}

function cmp(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** Default listings hide `engine::*` (except `engine::queue::*`) and `metadata.internal === true`. */
export function isInternalFunction(e: FunctionEntry): boolean {
  if (e.id.startsWith('engine::') && !e.id.startsWith('engine::queue::')) return true;
  return isObj(e.metadata) && e.metadata.internal === true;
}
