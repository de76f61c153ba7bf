export { Calls, type CallLink, type CallsContext } from './outbound.js';
export { Serving, type ServedFunction, type ServingContext } from './serving.js';
