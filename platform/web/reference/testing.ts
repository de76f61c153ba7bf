/**
 * `iii-isomorphic/testing` (Node only): the reference engine, to run workers against in tests
 * without the real engine. `startEngine()` starts one on 127.0.0.1 and a free port; connect
 * workers to `engine.url` (an RBAC listener's to `engine.rbacUrl`) and `close()` it at the end.
 *
 * {@includeCode ../../../examples/testing/worker.test.ts}
 *
 * @module testing
 */
export {
  startEngine,
  validateEngineOptions,
  DEFAULT_ENGINE_PORT,
  type RunningEngine,
  type EngineListener,
  type EngineOptions,
  type ListenerConfig,
  type RbacConfig,
  type ExposeFunctionFilter,
  type QueueOptions,
  type LogFn,
  type LogLevel,
} from '../../../test/engine/index.js';
