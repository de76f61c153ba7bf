export { Announcer } from './announce.js';
export { Bindings } from './bindings.js';
export type { RegistrationContext, RegistrationLink } from './context.js';
export { Functions } from './functions.js';
export { subscribeFunctionsAvailable } from './functions-available.js';
export { onFunctionRejected, onTriggerRefused } from './refusals.js';
export { Registry, type Binding, type FunctionEntry, type TriggerEntry, type TriggerTypeEntry } from './registry.js';
export { TriggerTypes } from './trigger-types.js';
