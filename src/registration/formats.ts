/**
 * Formats on the wire (§2.3): the `request_format` / `response_format` of a function and the
 * `trigger_request_format` / `call_request_format` of a trigger type. JSON Schema and
 * `RegisterFunctionFormat` values go as given. A valibot schema is converted to JSON Schema by
 * `@valibot/to-json-schema`, imported the first time a valibot schema is given (about
 * 3.4 KB gzip that a page without one would download for nothing); until it has loaded,
 * the registration waits (functions.ts), and `ready()` waits for it.
 */
import { lazily } from '../lazy.js';
import { isValibotSchema, type AnySchema, type FunctionFormat } from '../schema.js';

const converter = lazily(() => import('@valibot/to-json-schema'));

/**
 * The wire form of every format in `formats`: at once when none is a valibot schema, else a
 * promise of it (valibot parts JSON Schema cannot express are dropped). A converter that fails
 * to load rejects, and the next call imports it again.
 */
export function wireFormats<K extends string>(formats: Record<K, FunctionFormat | undefined>): Record<K, unknown> | Promise<Record<K, unknown>> {
  const keys = Object.keys(formats) as K[];
  if (!keys.some((k) => isValibotSchema(formats[k]))) return formats;
  return converter(({ toJsonSchema }) => {
    const out = {} as Record<K, unknown>;
    for (const k of keys) {
      const format = formats[k];
      out[k] = isValibotSchema(format) ? toJsonSchema(format, { errorMode: 'ignore' }) : format;
    }
    return out;
  });
}

/**
 * The valibot schema that validates inbound payloads (calls/serving.ts runs it), or `undefined`
 * when the format is plain JSON Schema. Throws at registration for an async schema.
 */
export function requestSchema(format: FunctionFormat | undefined): AnySchema | undefined {
  if (!isValibotSchema(format)) return undefined;
  if (format.async) throw new TypeError('request_format: async valibot schemas are not supported; use a synchronous schema');
  return format;
}
