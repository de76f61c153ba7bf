/**
 * The function registry: what `trigger()` and `registerFunction()` know about a function id, so
 * that `trigger({ function_id: 'math::add', payload })` checks the payload and infers the result
 * with no type arguments. Types only: nothing here exists at run time.
 *
 * You declare your functions by augmenting `IIIFunctions`, once per program:
 *
 * ```ts
 * declare module 'iii-isomorphic' {
 *   interface IIIFunctions {
 *     'math::add': { input: { a: number; b: number }; output: { sum: number } };
 *     'math::sub': typeof subRef; // a FunctionRef: its valibot schema or handler gives the types
 *   }
 * }
 * ```
 *
 * or generate that file from a running engine: `npx iii-isomorphic types --url ws://… >
 * iii-functions.d.ts`. Why augmentation and not a type parameter of `registerWorker`: one
 * declaration types every client, every helper that takes an `IIIClient` and every call site,
 * with no generic to thread through them, and a generated file does its job by being in the
 * project. The engine's built-ins (`IIIEngineFunctions`) are in the registry from the start.
 */
import type * as v from 'valibot';
import type { IIIEngineFunctions } from './builtins.js';
import type { AnySchema } from './schema.js';
import type { EnqueueResult, FunctionRef, TriggerRequest } from './types.js';

/**
 * The functions you call, by id: augment it (see above). Each entry is a
 * {@link FunctionSignature} (`{ input; output }`) or the type of a {@link FunctionRef} that
 * `registerFunction` returned (`typeof ref`).
 */
export interface IIIFunctions {}

/** One entry of the registry: what the caller sends and what the call resolves to. */
export interface FunctionSignature<TInput = unknown, TOutput = unknown> {
  input: TInput;
  output: TOutput;
}

/** The whole registry: your entries, then the engine's built-ins you did not redeclare. */
type Registry = IIIFunctions & Omit<IIIEngineFunctions, keyof IIIFunctions>;

/** Every id the registry knows. */
export type KnownFunctionId = keyof Registry & string;

type EntryInput<E> = E extends FunctionRef<string, infer I, unknown> ? I : E extends { input: infer I } ? I : unknown;
type EntryOutput<E> = E extends FunctionRef<string, unknown, infer O> ? O : E extends { output: infer O } ? O : unknown;

/** What a caller sends to `Id` (`unknown` for an id the registry does not know). */
export type FunctionInput<Id extends string> = [Id] extends [KnownFunctionId] ? EntryInput<Registry[Id]> : unknown;
/** What a call to `Id` resolves to (`unknown` for an id the registry does not know). */
export type FunctionOutput<Id extends string> = [Id] extends [KnownFunctionId] ? EntryOutput<Registry[Id]> : unknown;

/** `payload` is required unless the function takes no input. */
type PayloadOf<I> = undefined extends I ? { payload?: I } : { payload: I };

/**
 * The request `trigger()` takes for `Id`: typed by the registry when it knows `Id`, else
 * `TriggerRequest<TInput>`. (Tuples keep a union of ids from being split.)
 */
export type CallRequest<Id extends string, TInput> = [Id] extends [KnownFunctionId]
  ? Omit<TriggerRequest, 'function_id' | 'payload'> & { function_id: Id } & PayloadOf<FunctionInput<Id>>
  : TriggerRequest<TInput> & { function_id: Id };

/** What a call to `Id` resolves to: the registry's output for a known id, else `TOutput`. */
export type CallOutput<Id extends string, TOutput> = [Id] extends [KnownFunctionId] ? FunctionOutput<Id> : TOutput;

/**
 * What `trigger()` resolves to for action `A`: `undefined` for `TriggerAction.Void()`, an
 * `EnqueueResult` for `TriggerAction.Enqueue()`, else the call's output. `A` is inferred from the
 * request; given type arguments leave it at its default, and the result is the output, as in
 * `iii-sdk`.
 */
export type CallResult<Id extends string, TOutput, A> = [A] extends [{ type: 'void' }]
  ? undefined
  : [A] extends [{ type: 'enqueue' }]
    ? EnqueueResult
    : CallOutput<Id, TOutput>;

/**
 * The `data` a handler gets: the valibot schema's output, else `TInput` (the handler's own
 * annotation, or `unknown`). A JSON Schema format leaves `TSchema` at its constraint, a union
 * the tuple check tells from one valibot schema.
 *
 * The registry does not type handlers: an entry may be `typeof ref`, the result of this very
 * registration, and looking it up here would make that type depend on itself. To hold a
 * handler to a declared entry, annotate it: `(data: FunctionInput<'math::add'>):
 * FunctionOutput<'math::add'> => …`.
 */
export type HandlerInput<TSchema, TInput> = [TSchema] extends [AnySchema] ? v.InferOutput<TSchema> : TInput;

/** What a caller of the registered function sends: the valibot schema's input, else the handler's. */
export type CallerInput<TSchema, TInput> = [TSchema] extends [AnySchema] ? v.InferInput<TSchema> : TInput;
