export { PendingCalls, type AddCall } from './pending.js';
export { decodeResult, type Outcome } from './result.js';
