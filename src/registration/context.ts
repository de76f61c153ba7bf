/**
 * What the registration parts need from the rest of the client: narrow interfaces the facade
 * (client.ts) wires, so that this folder imports nothing but the leaves.
 */
import type { Emitter, IIIEvents } from '../events.js';
import type { Logger } from '../logger.js';
import type { Platform } from '../platform.js';
import type { Registry } from './registry.js';

/** The session as registrations see it (session/connection.ts, send-policy.ts). */
export interface RegistrationLink {
  /** Sends `text` now, replays it later or queues it, as the session's send policy says. */
  submit(kind: 'register' | 'call' | 'reply', text: string): unknown;
  /** Throws when the client was shut down or has failed; `what` names the refused method. */
  assertUsable(what: string): void;
}

export interface RegistrationContext {
  readonly platform: Platform;
  /** The worker's namespace (§3.8); bindings resolve their function there by default. */
  readonly namespace: string | undefined;
  readonly registry: Registry;
  readonly link: RegistrationLink;
  /** SDK diagnostics: console only, never sent to the engine. */
  readonly diag: Logger;
  readonly events: Emitter<IIIEvents>;
  /** Emits what user code (or a bug of ours) threw as the `'error'` event; never throws. */
  report(err: unknown): void;
}
