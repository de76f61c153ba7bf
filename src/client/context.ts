/**
 * What the client's parts share. The facade (`iii.ts`) builds one context and hands each part
 * the slice it needs (`Pick<ClientContext, …>`), so no part reaches into another's state.
 */
import type { EventEmitter } from 'eventemitter3';
import type { Connection } from '../connection/index.js';
import type { IIIInvocationError } from '../errors.js';
import type { PendingCalls } from '../invocation/index.js';
import type { Logger } from '../logger.js';
import type { ResolvedOptions } from '../options.js';
import type { Platform } from '../platform.js';
import type { Registry } from '../registry/index.js';
import type { AnySchema } from '../schema.js';
import type {
  FunctionHandler,
  FunctionRef,
  HttpInvocationConfig,
  RegisterFunctionOptions,
  RegisterTriggerInput,
  Trigger,
  TriggerRequest,
} from '../types.js';
import type { IIIEvents } from './events.js';

/** The lifetime of the client as the other parts see it (implemented by `Lifecycle`). */
export interface Session {
  /** Why the client stopped for good, if it did. */
  readonly fatal: IIIInvocationError | undefined;
  readonly isShutDown: boolean;
  /** Throws when the client was shut down or has failed: `what` names the refused method. */
  assertUsable(what: string): void;
  shutdownError(functionId?: string): IIIInvocationError;
  /** Sends now when the engine has accepted the socket, else queues for the next connection. */
  sendOrQueue(text: string, isLive?: () => boolean, onSent?: () => void): void;
}

export interface ClientContext {
  readonly platform: Platform;
  readonly options: ResolvedOptions;
  readonly conn: Connection;
  readonly registry: Registry;
  readonly pending: PendingCalls;
  /** SDK diagnostics: console only, never sent to the engine. */
  readonly diag: Logger;
  readonly events: EventEmitter<IIIEvents>;
  /** Emits what user code (or a bug of ours) threw as the `'error'` event; never throws. */
  report(err: unknown): void;
  readonly session: Session;
}

/**
 * The public methods that helpers build on, implemented by the facade itself: a call a helper
 * makes takes exactly the path of the user's own.
 */
export interface WorkerApi {
  trigger(request: TriggerRequest): Promise<unknown>;
  registerFunction(
    id: string,
    handler: FunctionHandler | HttpInvocationConfig,
    options?: RegisterFunctionOptions<AnySchema | undefined>,
  ): FunctionRef;
  registerTrigger(input: RegisterTriggerInput): Trigger;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
