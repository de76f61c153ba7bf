/**
 * One entry of the pending-call table (pending.ts), shaped for its memory cost (see there): a
 * `Call` of three fields, its flags, the side-table record a few calls need, and the promise
 * helpers that keep only `resolve` per call.
 */
import type { TimerHandle } from '../platform.js';

/** Written to a socket (see `CallState.sent`). */
export const SENT = 1;
/** `Call.what` is the frame's body: the call may be re-sent. */
export const BODY = 2;
/** The call has an entry in the side table (`Extra`). */
export const EXTRA = 4;
/** `Call.bits` above the flags (`bits >> 3`): the slot of the call's deadline queue, 0 for none. */
export const SLOT = 8;

/**
 * One pending call. It is also what the session's outbox asks while the call waits for a socket
 * (`isLive`, `onSent`): no closure per call.
 */
export class Call {
  // Declared, set by the constructor: one definition per field (ARCHITECTURE.md "What loads when").
  /** The frame's body (`BODY`), else the function id. */
  declare readonly what: string;
  /** Cleared once the call is settled. */
  declare resolve: ((value: unknown) => void) | undefined;
  /** Flags, and the slot of its deadline queue times `SLOT` (one small integer, one field). */
  declare bits: number;

  constructor(what: string, resolve: ((value: unknown) => void) | undefined, bits: number) {
    this.what = what;
    this.resolve = resolve;
    this.bits = bits;
  }

  isLive(): boolean {
    return this.resolve !== undefined;
  }

  onSent(): void {
    this.bits |= SENT;
  }
}

/** What only some calls need, kept beside the table. */
export interface Extra {
  signal?: AbortSignal | undefined;
  onAbort?: (() => void) | undefined;
  undelivered?: string | undefined;
  resends: number;
  resendTimer?: TimerHandle | undefined;
}

/** A promise resolved with it rejects with `reason`: the call keeps `resolve` alone. */
export class Rejection {
  declare readonly reason: unknown;
  constructor(reason: unknown) {
    this.reason = reason;
  }
  then(_: unknown, reject: (reason: unknown) => void): void {
    reject(this.reason);
  }
}

/** The Promise executor, shared: it hands `resolve` over through `captured`, and no closure is made per call. */
let captured: ((value: unknown) => void) | undefined;
const capture = (resolve: (value: unknown) => void): void => {
  captured = resolve;
};

/** A new promise and its `resolve`, without a closure per call. */
export function pendingPromise(): [Promise<unknown>, (value: unknown) => void] {
  const promise = new Promise<unknown>(capture);
  const resolve = captured!;
  captured = undefined;
  return [promise, resolve];
}
