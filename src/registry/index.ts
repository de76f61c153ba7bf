export { Registry, type Binding, type FunctionEntry, type TriggerEntry, type TriggerTypeEntry } from './registry.js';
