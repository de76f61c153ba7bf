/**
 * Triggers: binding a function to a trigger type (`registerTrigger`), and providing a trigger
 * type (`registerTriggerType`), whose handler hears of every binding to it and fires the bound
 * functions. The engine's own trigger types are in `EngineTriggers`.
 *
 * A provider of `clock::tick` and a consumer that binds a function to it:
 *
 * {@includeCode ../../../examples/triggers/trigger-type.test.ts#trigger-type}
 *
 * @module triggers
 */
export {
  type RegisterTriggerInput,
  type Trigger,
  type RegisterTriggerTypeInput,
  type TriggerHandler,
  type TriggerConfig,
  type TriggerTypeRef,
  type TriggerInfo,
  type ListTriggersOptions,
  EngineTriggers,
  type EngineTriggerId,
  type EngineTriggerTypeSummary,
  type EngineTriggerTypeDetail,
  type EngineRegisteredTrigger,
} from '../types.js';
