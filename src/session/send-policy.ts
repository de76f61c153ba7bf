/**
 * What each phase of the connection does with an outbound frame: one table
 * instead of a connectivity check at every call site. `Connection.submit` applies it.
 */

/** The phases of a connection's life, in handshake order (§2.4, §3.1); see connection.ts. */
export type PhaseKind = 'idle' | 'dialing' | 'opening' | 'registered' | 'accepted' | 'waiting' | 'failed' | 'closed';

/**
 * - `handshake`: `reattach` and the announce, written by the opening sequence (handshake.ts).
 * - `register`: `registerfunction`, `registertriggertype`, `registertrigger`. Every opening
 *   sequence replays them (§2.4 item 4), so they are never queued.
 * - `call`: `invokefunction` (calls, void calls, log lines), `unregisterfunction`,
 *   `unregistertrigger`. They wait for a socket the engine has registered, after the replay
 *   (replay, then flush), so that a socket refused at the handshake cannot take them down with it.
 * - `reply`: `invocationresult`, `triggerregistrationresult`, `ping`. They mean something only on
 *   the socket the request came on: the engine halts what a lost socket was running (§3.13).
 */
export type SendKind = 'handshake' | 'register' | 'call' | 'reply';

/**
 * - `send`: written now.
 * - `queue`: kept, in order, for the next registered socket (outbox.ts); calls that time out
 *   or are aborted meanwhile are skipped (§3.5).
 * - `replay`: nothing now; the next opening sequence sends it.
 * - `drop`: nobody is left to read it.
 * - `refuse`: the client was shut down or has failed; the caller rejects or throws.
 */
export type SendAction = 'send' | 'queue' | 'replay' | 'drop' | 'refuse';

type Row = Readonly<Record<SendKind, SendAction>>;

/** No socket, or one the engine has not registered yet: calls wait, registrations are replayed. */
const OFFLINE: Row = { handshake: 'drop', register: 'replay', call: 'queue', reply: 'drop' };
const LIVE: Row = { handshake: 'drop', register: 'send', call: 'send', reply: 'send' };
const STOPPED: Row = { handshake: 'drop', register: 'refuse', call: 'refuse', reply: 'drop' };

export const SEND_POLICY: Readonly<Record<PhaseKind, Row>> = {
  idle: OFFLINE,
  dialing: OFFLINE,
  // The socket is open; the opening sequence is written when `workerregistered` arrives
  // (handshake.ts), and calls wait until it has been.
  opening: { handshake: 'send', register: 'send', call: 'queue', reply: 'send' },
  registered: LIVE,
  accepted: LIVE,
  waiting: OFFLINE,
  failed: STOPPED,
  closed: STOPPED,
};
