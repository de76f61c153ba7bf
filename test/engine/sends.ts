// Frames one handler sends to several connections on behalf of one owner (a registration's
// fan-out, a disconnect's cleanup), and the wait until each of them is queued (outbound.ts).
import type { WorkerConnection } from './connection.js';
import type { SendOwner } from './outbound.js';

/** Sends made on behalf of one owner; `queued()` resolves once each is queued (or refused). */
export class Sends {
  private waits: Array<Promise<boolean>> | undefined;
  constructor(private readonly owner: SendOwner | undefined) {}
  readonly to = (conn: WorkerConnection, frame: object): void => {
    const sent = conn.send(frame, this.owner);
    if (typeof sent !== 'boolean') (this.waits ??= []).push(sent);
  };
  queued(): Promise<unknown> | undefined {
    return this.waits && Promise.all(this.waits);
  }
}
