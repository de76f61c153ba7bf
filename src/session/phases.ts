/**
 * The phases of a connection (connection.ts), each with what it owns, and what leaving one
 * releases. A phase passes a resource on by holding the same object in the next phase (the
 * socket from `dialing` to `opening` to `registered` to `accepted`, the handshake deadline from
 * `dialing` to `opening`, the liveness from `registered` to `accepted`); everything else goes.
 */
import type { Platform, TimerHandle } from '../platform.js';
import type { Liveness } from './liveness.js';
import type { PhaseKind } from './send-policy.js';
import type { Socket } from './socket.js';

export type Phase = { kind: PhaseKind } & (
  | { kind: 'idle' }
  /** The handshake deadline runs from the dial to `workerregistered` (§3.1). */
  | { kind: 'dialing' | 'opening'; socket: Socket; deadline: TimerHandle }
  /** `refusal`: the announce was refused (`OUTCOMES.announceRefused`); `ready()` rejects with it. */
  | { kind: 'registered'; socket: Socket; since: number; liveness: Liveness | undefined; refusal?: Error }
  | { kind: 'accepted'; socket: Socket; since: number; liveness: Liveness | undefined }
  /** `asking`: an address function's answer is awaited (connection.ts `#dial`); `retry` is its deadline. */
  | { kind: 'waiting'; retry: TimerHandle; asking?: true }
  | { kind: 'failed'; error: Error }
  /** `fatal`: the error of a client that had failed before it was shut down. */
  | { kind: 'closed'; fatal: Error | undefined }
);

/** The fields a phase may hold (every `Phase` is one). */
type Held = { kind: PhaseKind; socket?: Socket; deadline?: TimerHandle; liveness?: Liveness; retry?: TimerHandle };

/** Releases what `old` held and `kept` does not: timers, liveness, and the socket (closed with `closeCode`). */
export function release(platform: Platform, old: Held, kept: Held, closeCode: number): void {
  if (old.deadline !== undefined && old.deadline !== kept.deadline) platform.clearTimeout(old.deadline);
  if (old.retry !== undefined) platform.clearTimeout(old.retry);
  if (old.liveness && old.liveness !== kept.liveness) old.liveness.stop();
  if (old.socket && old.socket !== kept.socket) {
    try {
      old.socket.transport.close(closeCode);
    } catch {
      // Already closing; nothing left to release.
    }
  }
}
