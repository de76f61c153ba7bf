/**
 * The worker client. It lives in `client/` (one small module per concern); this file keeps the
 * import path every entry and test uses.
 */
export { III, type IIIEvents, type ConnectionStateListener, type ClientDeps, type Channel } from './client/iii.js';
export type { JsonValue } from './types.js';
