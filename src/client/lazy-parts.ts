/**
 * The client's parts that load on first use (PRACTICES.md item 13): each is first needed when a
 * frame arrives from the socket or inside a promise-returning method, never by a synchronous
 * API, so the entry a page downloads leaves them out. Calls reach a part in the order they
 * were made (see `lazily`).
 */
import { lazily } from '../lazy.js';

/** Runs the functions the engine invokes (inbound.ts). */
export const invocations = lazily(() => import('./inbound.js'));

/** Handles the bindings the engine delivers to the trigger types we provide (bindings.ts). */
export const bindings = lazily(() => import('./bindings.js'));

/** Listings, their decoders, `createChannel` and the functions-available subscription (listing.ts). */
export const listing = lazily(() => import('./listing.js'));

/** Records the engine's refusals of our functions and bindings (refusals.ts). */
export const refusals = lazily(() => import('./refusals.js'));
