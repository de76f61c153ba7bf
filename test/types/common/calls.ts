// trigger() and registerFunction() typed end to end: a registry declared by augmentation (and
// fed by a valibot schema through `typeof ref`), iii-sdk's <TInput, TOutput> order for ids the
// registry does not know, `unknown` where nothing says more.
import * as v from 'valibot';
import {
  EngineFunctions,
  registerWorker,
  TriggerAction,
  type EnqueueResult,
  type FunctionInput,
  type FunctionOutput,
  type FunctionRef,
  type IIIClient,
} from 'iii-isomorphic';
import { check, type Equal } from './assert.js';

declare module 'iii-isomorphic' {
  interface IIIFunctions {
    'math::add': { input: { a: number; b: number }; output: { sum: number } };
    'math::neg': typeof neg;
  }
}

const iii = registerWorker('ws://127.0.0.1:1', { workerName: 'types' });

export const neg = iii.registerFunction('math::neg', async (data) => ({ n: -data.n }), {
  description: 'negates',
  request_format: v.object({ n: v.pipe(v.string(), v.transform(Number)) }),
});
check<Equal<typeof neg, FunctionRef<'math::neg', { n: string }, { n: number }>>>();

export async function calls(client: IIIClient): Promise<void> {
  const sum = await client.trigger({ function_id: 'math::add', payload: { a: 1, b: 2 } });
  check<Equal<typeof sum, { sum: number }>>();
  // @ts-expect-error the payload is checked against the registry
  await client.trigger({ function_id: 'math::add', payload: { a: 1, b: '2' } });
  // @ts-expect-error and required when the function takes input
  await client.trigger({ function_id: 'math::add' });
  // The valibot schema's input is what callers send; the handler's return is what they get.
  const negated = await client.trigger({ function_id: 'math::neg', payload: { n: '3' } });
  check<Equal<typeof negated, { n: number }>>();
  // @ts-expect-error the schema's input is a string
  await client.trigger({ function_id: 'math::neg', payload: { n: 3 } });

  // The engine's built-ins are in the registry from the start.
  const { workers } = await client.trigger({ function_id: EngineFunctions.LIST_WORKERS, payload: {} });
  check<Equal<(typeof workers)[number]['name'], string | null>>();

  // Ids the registry does not know: unknown without type arguments, iii-sdk's order with them.
  const anything = await client.trigger({ function_id: 'other::fn', payload: { x: 1 } });
  check<Equal<typeof anything, unknown>>();
  // @ts-expect-error an unknown result must be narrowed before use
  void anything.x;
  const typed = await client.trigger<{ q: string }, { ok: boolean }>({ function_id: 'other::fn', payload: { q: 'x' } });
  check<Equal<typeof typed, { ok: boolean }>>();
  // @ts-expect-error TInput comes first: the payload is checked against it
  await client.trigger<{ q: string }, { ok: boolean }>({ function_id: 'other::fn', payload: { q: 1 } });
  // Explicit type arguments win over the registry, as a call written for iii-sdk expects.
  const listed = await client.trigger<Record<string, never>, { functions: Array<{ function_id: string }> }>({
    function_id: EngineFunctions.LIST_FUNCTIONS,
    payload: {},
  });
  check<Equal<typeof listed, { functions: Array<{ function_id: string }> }>>();
  const dynamicId: string = String(Math.random());
  const dynamic = await client.trigger({ function_id: dynamicId, payload: null });
  check<Equal<typeof dynamic, unknown>>();

  // Actions decide the result.
  const none = await client.trigger({ function_id: 'math::add', payload: { a: 1, b: 2 }, action: TriggerAction.Void() });
  check<Equal<typeof none, undefined>>();
  const receipt = await client.trigger({ function_id: 'other::fn', payload: {}, action: TriggerAction.Enqueue({ queue: 'q' }) });
  check<Equal<typeof receipt, EnqueueResult>>();
}

// Handlers: the schema's output, the annotation, or unknown.
iii.registerFunction('h::unknown', (data) => {
  check<Equal<typeof data, unknown>>();
  // @ts-expect-error unannotated data is unknown
  return data.text;
});
iii.registerFunction('h::annotated', (data: { text: string }, metadata, context) => {
  check<Equal<typeof metadata, import('iii-isomorphic').JsonValue | undefined>>();
  return `${data.text} ${context.functionId}`;
});
iii.registerFunction('h::schema', (data) => data.tags.join(','), { request_format: v.object({ tags: v.array(v.string()) }) });
iii.registerFunction('h::json', (data: { n: number }) => data.n, { request_format: { type: 'object' } });
// Holding an implementation to a declared entry.
iii.registerFunction('math::add', (data: FunctionInput<'math::add'>): FunctionOutput<'math::add'> => ({ sum: data.a + data.b }));
// @ts-expect-error the declared output is { sum: number }
iii.registerFunction('math::add', (data: FunctionInput<'math::add'>): FunctionOutput<'math::add'> => ({ total: data.a }));
