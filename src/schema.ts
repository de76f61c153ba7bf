/**
 * Request/response formats of a function (protocol.md §2.3 `registerfunction`): a JSON Schema
 * object, a `RegisterFunctionFormat` built with the helpers below (the seed's Python helper), or
 * a valibot schema. A valibot schema is converted to JSON Schema for the engine
 * (registration/formats.ts) and also validates inbound payloads before the handler runs
 * (calls/serving.ts).
 */
import type * as v from 'valibot';

/** A JSON Schema object, as the engine stores it (`request_schema` in introspection). */
export type JsonSchema = { [key: string]: unknown };

/** The structured format of the seed: a small JSON-Schema subset with a name. */
export interface RegisterFunctionFormat {
  /** Name of the parameter (informational). */
  name?: string;
  description?: string;
  type?: 'string' | 'number' | 'boolean' | 'object' | 'array' | 'null' | 'map' | 'integer';
  /** Fields of an `object`. */
  properties?: Record<string, RegisterFunctionFormat | JsonSchema>;
  /** Element format of an `array`. */
  items?: RegisterFunctionFormat | JsonSchema;
  /** Required property names of an `object`. */
  required?: string[];
  [key: string]: unknown;
}

type FormatOptions = Omit<RegisterFunctionFormat, 'type' | 'properties' | 'items'>;

/**
 * The builder of a format without children: `(options?) => ({ ...options, type })`. The calls
 * below are marked pure so that a bundler drops the builders from a page that never uses them.
 */
function scalar(type: RegisterFunctionFormat['type']): (o?: FormatOptions) => RegisterFunctionFormat {
  return (o = {}) => ({ ...o, type });
}

/**
 * Builders for `RegisterFunctionFormat` values; each returns a plain JSON object.
 * @example
 * RegisterFunctionFormat.object({ a: RegisterFunctionFormat.number(), b: RegisterFunctionFormat.number() }, { required: ['a', 'b'] })
 */
export const RegisterFunctionFormat = {
  string: /* @__PURE__ */ scalar('string'),
  number: /* @__PURE__ */ scalar('number'),
  integer: /* @__PURE__ */ scalar('integer'),
  boolean: /* @__PURE__ */ scalar('boolean'),
  null: /* @__PURE__ */ scalar('null'),
  array: (items: RegisterFunctionFormat | JsonSchema, o: FormatOptions = {}): RegisterFunctionFormat => ({ ...o, type: 'array', items }),
  object: (
    properties: Record<string, RegisterFunctionFormat | JsonSchema>,
    o: FormatOptions = {},
  ): RegisterFunctionFormat => ({ ...o, type: 'object', properties }),
  map: (values: RegisterFunctionFormat | JsonSchema, o: FormatOptions = {}): RegisterFunctionFormat => ({
    ...o,
    type: 'object',
    additionalProperties: values,
  }),
} as const;

/** Any synchronous valibot schema. */
export type AnySchema = v.GenericSchema;

export type FunctionFormat = AnySchema | RegisterFunctionFormat | JsonSchema;

export function isValibotSchema(value: unknown): value is AnySchema {
  return (
    value !== null &&
    typeof value === 'object' &&
    (value as { kind?: unknown }).kind === 'schema' &&
    typeof (value as { '~run'?: unknown })['~run'] === 'function'
  );
}
