/**
 * What a connection (connection.ts) is given: where and how to dial, and the client's handlers
 * it reports frames, lost sockets and state changes to.
 */
import type { StateChange } from '../events.js';
import type { AddressSupplier, HeartbeatOptions, ReconnectOptions } from '../options.js';
import type { Platform, TransportFactory } from '../platform.js';

export interface ConnectionOptions {
  /** A fixed address, or a function asked before every attempt (address.ts). */
  url: string | AddressSupplier;
  headers?: Record<string, string>;
  platform: Platform;
  transport: TransportFactory;
  reconnect: ReconnectOptions;
  heartbeat: HeartbeatOptions | false;
  /** From dial to the engine's `workerregistered` (auth included). */
  handshakeTimeoutMs: number;
}

export interface ConnectionHandlers {
  onFrame(data: string | Uint8Array): void;
  /** A socket that had opened went away: calls written on it can no longer be answered (§3.13). */
  onSocketLost(error: Error): void;
  onState(change: StateChange): void;
}
