/**
 * What the opening sequence of every (re)connect says (§2.4 item 4, §3.1), and what the engine's
 * answers to it mean: `reattach` with the previous identity (§3.11), the announce
 * (`engine::workers::register`, §1.2), the registrations to replay, then a `ping` (§3.10).
 * `workerregistered` gives the identity the next reattach needs; the engine has accepted the
 * worker once the announce is answered AND the ping's `pong` arrived.
 *
 * The sequence is written when `workerregistered` arrives, not when the socket opens: an engine
 * that refuses the credentials (§1.3) answers with the `error` frame and a Close and drops the
 * socket without reading it, and data it never read turns that close into a TCP reset that can
 * destroy the error frame before the client reads it (the real engine does; docs/real-engine.md,
 * divergence 1). The engine reads nothing before `workerregistered` anyway (§2.4 item 1).
 *
 * Why the ping: the real engine answers the announce from a task of its own, so the refusal of a
 * registration it reads later (`registrationrejected`) can come after that answer. Registrations
 * and pings are handled in order by the connection's read loop, so the `pong` comes after the
 * refusal of every registration sent before it (divergence 3): `ready()` can then promise that
 * every refusal is known.
 */
import { invocationError, type IIIInvocationError } from '../errors.js';
import type { Platform } from '../platform.js';
import type { InvocationResultFrame, OutboundFrame, WorkerRegisteredFrame } from '../protocol/index.js';
import { encodeFrame } from '../protocol/index.js';
import { SDK_VERSION } from '../version.js';
import { PING_FRAME } from './liveness.js';
import type { SendKind } from './send-policy.js';

/** The worker's announcement (§1.2), sent first in every opening sequence. */
export const ANNOUNCE_FUNCTION = 'engine::workers::register';

export interface HandshakeOptions {
  platform: Platform;
  workerName: string;
  workerDescription?: string | undefined;
  namespace: string | undefined;
  /** The registrations to say again, in protocol order (registration/registry.ts). */
  replay(): Iterable<OutboundFrame>;
}

export class Handshake {
  readonly #o: HandshakeOptions;
  #workerId: string | undefined;
  #reattachToken: string | undefined;
  /** Invocation id of the current connection's announce, until it is answered. */
  #announceId: string | undefined;
  /** Whether the opening sequence's `ping` still waits for its `pong`. */
  #pongDue = false;

  constructor(options: HandshakeOptions) {
    this.#o = options;
  }

  /** The worker id the engine assigned to the current (or last) connection. */
  get workerId(): string | undefined {
    return this.#workerId;
  }

  /**
   * Writes the opening sequence, once the engine has sent `workerregistered` (see above) and
   * before the calls queued meanwhile (send-policy.ts): a socket that fails its handshake (auth,
   * timeout) must not take them down with it as CONNECTION_LOST. Call it before `registered()`:
   * the reattach names the previous identity.
   */
  open(submit: (kind: SendKind, text: string) => unknown): void {
    const send = (kind: SendKind, frame: OutboundFrame) => submit(kind, encodeFrame(frame));
    this.#announceId = this.#o.platform.randomUUID();
    this.#pongDue = true;
    if (this.#workerId && this.#reattachToken) {
      // Retires a half-open previous connection so our own stale leases don't conflict (§3.11).
      send('handshake', { type: 'reattach', previous_worker_id: this.#workerId, reattach_token: this.#reattachToken });
    }
    send('handshake', this.#announce(this.#announceId));
    for (const frame of this.#o.replay()) send('register', frame);
    submit('handshake', PING_FRAME);
  }

  /** Whether the opening sequence is complete: the announce answered and the ping's `pong` in. */
  get settled(): boolean {
    return this.#announceId === undefined && !this.#pongDue;
  }

  /** A `pong`: true when it is the opening sequence's own (heartbeat pongs come later). */
  pong(): boolean {
    const ours = this.#pongDue;
    this.#pongDue = false;
    return ours;
  }

  /** `workerregistered` (§3.1): remember who we are, for the next reattach. */
  registered(frame: WorkerRegisteredFrame): string {
    this.#workerId = frame.worker_id;
    this.#reattachToken = frame.reattach_token ?? undefined;
    return frame.worker_id;
  }

  /** Whether `frame` answers this connection's announce (it is not a call's result then). */
  isAnswer(frame: InvocationResultFrame): boolean {
    return this.#announceId !== undefined && frame.invocation_id === this.#announceId;
  }

  /**
   * The announce's answer: `undefined` when the engine accepted the worker, else why it refused
   * (`OUTCOMES.announceRefused`). Invisible with the official SDKs' void announce (§1.2): a refused
   * namespace would leave the worker silently in `default` after the grace period.
   */
  answer(frame: InvocationResultFrame): IIIInvocationError | undefined {
    this.#announceId = undefined;
    if (!frame.error) return undefined;
    return invocationError(frame.error.code, `worker announcement refused: ${frame.error.message}`, ANNOUNCE_FUNCTION);
  }

  /**
   * Synchronous, unlike the official SDKs' void announce (§1.2): the answer tells `ready()` that
   * the registrations are applied, and a refusal becomes visible. A name conflict still arrives
   * as `registrationrejected` + Close, and its `{success:false}` never (§8 item 6).
   */
  #announce(invocationId: string): OutboundFrame {
    const { platform } = this.#o;
    const info = platform.runtimeInfo();
    // Undefined fields (no description, os, pid or namespace) are dropped by JSON.stringify.
    const data = {
      runtime: info.runtime,
      version: SDK_VERSION,
      name: this.#o.workerName,
      isolation: platform.env('III_ISOLATION') ?? null,
      description: this.#o.workerDescription,
      os: info.os,
      pid: info.pid,
      namespace: this.#o.namespace,
    };
    // An engine builtin lives in `default`, whatever the worker's namespace (§3.8), said as every
    // engine:: call says it (calls/outbound.ts).
    return { type: 'invokefunction', invocation_id: invocationId, function_id: ANNOUNCE_FUNCTION, data, namespace: 'default' };
  }
}
