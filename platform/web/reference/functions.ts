/**
 * Functions: registering them (a handler, or an HTTP endpoint the engine calls), their request and
 * response formats (JSON Schema, `RegisterFunctionFormat` or a valibot schema), calling them with
 * `trigger()` (a result, `TriggerAction.Void()` or `TriggerAction.Enqueue()`), the function
 * registry that types calls end to end, the engine's built-in functions, and the listings.
 *
 * A function registered and called, and the error of a call to one that does not exist:
 *
 * {@includeCode ../../../examples/deno/worker.ts}
 *
 * @module functions
 */
export {
  type FunctionHandler,
  type RemoteFunctionHandler,
  type FunctionRef,
  type RegisterFunctionOptions,
  type HttpInvocationConfig,
  type InvocationContext,
  RegisterFunctionFormat,
  type JsonSchema,
  type FunctionFormat,
  type JsonValue,
  type TriggerRequest,
  TriggerAction,
  type EnqueueResult,
  type IIIFunctions,
  type FunctionSignature,
  type FunctionInput,
  type FunctionOutput,
  EngineFunctions,
  type EngineFunctionId,
  type IIIEngineFunctions,
  type EngineFunctionSummary,
  type EngineFunctionDetail,
  type EngineWorkerSummary,
  type FunctionInfo,
  type ListFunctionsOptions,
} from '../types.js';
