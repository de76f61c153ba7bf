/**
 * JSON Schema → TypeScript type text, for `iii-isomorphic types`: the request and response
 * formats functions registered with (protocol.md §2.3 `registerfunction`), as the function
 * registry's entries. Small on purpose: it covers what formats are made of (valibot's
 * `toJsonSchema`, the seed's `RegisterFunctionFormat` builders, hand-written draft-07 / 2020-12
 * schemas) and answers `unknown` for anything it cannot say exactly, never a type that is
 * narrower than the schema.
 *
 * Choices worth knowing:
 * - An object schema without `additionalProperties` gets no index signature, so a misspelt key
 *   is an error at the call site; `additionalProperties: true` or a schema adds one.
 * - `$ref`s to `#/definitions/…` and `#/$defs/…` are inlined; a reference back into itself
 *   (a recursive type) becomes `unknown` at the point where it recurs.
 * - Validation keywords (`minimum`, `pattern`, `format`, …) have no type counterpart and are left out.
 */

type Schema = { [key: string]: unknown };

/** How deep a schema may nest before the rest is `unknown` (a guard against hostile input). */
const MAX_DEPTH = 40;

interface Context {
  root: unknown;
  /** `$ref`s being expanded on the current path. */
  refs: string[];
  depth: number;
  indent: string;
}

/** The TypeScript type of `schema`, indented for a declaration at `indent`. */
export function schemaToType(schema: unknown, indent = ''): string {
  return convert(schema, { root: schema, refs: [], depth: 0, indent });
}

function convert(schema: unknown, ctx: Context): string {
  if (schema === true || schema === undefined || schema === null) return 'unknown';
  if (schema === false) return 'never';
  if (typeof schema !== 'object' || Array.isArray(schema) || ctx.depth > MAX_DEPTH) return 'unknown';
  const s = schema as Schema;
  const inner = { ...ctx, depth: ctx.depth + 1 };
  if (typeof s.$ref === 'string') return reference(s.$ref, inner);
  if ('const' in s) return withNull(literal(s.const), s);
  if (Array.isArray(s.enum)) return withNull(union(s.enum.map(literal)), s);
  const parts: string[] = [];
  const own = ownType(s, inner);
  if (own !== undefined) parts.push(own);
  if (Array.isArray(s.allOf)) parts.push(...s.allOf.map((x) => convert(x, inner)));
  const alternatives = Array.isArray(s.anyOf) ? s.anyOf : Array.isArray(s.oneOf) ? s.oneOf : undefined;
  if (alternatives) parts.push(union(alternatives.map((x) => convert(x, inner))));
  const known = parts.filter((p) => p !== 'unknown'); // `unknown & T` is T
  if (known.length === 0) return withNull('unknown', s);
  return withNull(known.length === 1 ? known[0]! : known.map(group).join(' & '), s);
}

/** What `type` (and the keywords that imply one) say, or `undefined` when they say nothing. */
function ownType(s: Schema, ctx: Context): string | undefined {
  const types = Array.isArray(s.type) ? s.type : typeof s.type === 'string' ? [s.type] : undefined;
  if (types) return union(types.map((t) => typeName(String(t), s, ctx)));
  if (s.properties !== undefined || s.additionalProperties !== undefined) return objectType(s, ctx);
  if (s.items !== undefined || s.prefixItems !== undefined) return arrayType(s, ctx);
  return undefined;
}

function typeName(type: string, s: Schema, ctx: Context): string {
  switch (type) {
    case 'string':
      return 'string';
    case 'number':
    case 'integer':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'null':
      return 'null';
    case 'array':
      return arrayType(s, ctx);
    case 'object':
      return objectType(s, ctx);
    case 'map': // the seed's RegisterFunctionFormat: values in `additionalProperties` or `items`
      return `{ [key: string]: ${convert(s.additionalProperties ?? s.items, ctx)} }`;
    default:
      return 'unknown';
  }
}

function arrayType(s: Schema, ctx: Context): string {
  // A tuple: `prefixItems` (2020-12) or an array of `items` (draft 4–2019).
  const tuple = Array.isArray(s.prefixItems) ? s.prefixItems : Array.isArray(s.items) ? s.items : undefined;
  if (tuple) {
    const rest = Array.isArray(s.prefixItems) ? s.items : s.additionalItems;
    const items = tuple.map((x) => convert(x, ctx));
    if (rest !== false) items.push(`...${group(convert(rest, ctx))}[]`);
    return `[${items.join(', ')}]`;
  }
  return `${group(convert(s.items, ctx))}[]`;
}

function objectType(s: Schema, ctx: Context): string {
  const properties = s.properties && typeof s.properties === 'object' ? (s.properties as Schema) : {};
  const required = new Set(Array.isArray(s.required) ? s.required.map(String) : []);
  const keys = Object.keys(properties);
  const extra = s.additionalProperties;
  if (keys.length === 0) {
    // `{type: 'object'}` alone is any object; `additionalProperties: false` alone, an empty one.
    if (extra === false) return 'Record<string, never>';
    return `{ [key: string]: ${extra === undefined || extra === true ? 'unknown' : convert(extra, ctx)} }`;
  }
  const inner = `${ctx.indent}  `;
  const field = { ...ctx, indent: inner };
  const lines = keys.map((key) => {
    const schema = properties[key];
    const doc = docComment(schema, inner);
    return `${doc}${inner}${propertyName(key)}${required.has(key) ? '' : '?'}: ${convert(schema, field)};`;
  });
  // Declared properties must fit the index signature: with a typed one, it is widened to unknown.
  if (extra !== undefined && extra !== false) lines.push(`${inner}[key: string]: unknown;`);
  return `{\n${lines.join('\n')}\n${ctx.indent}}`;
}

function reference(ref: string, ctx: Context): string {
  const match = /^#\/(definitions|\$defs)\/(.+)$/.exec(ref);
  if (!match || ctx.refs.includes(ref)) return 'unknown';
  const defs = (ctx.root as Schema | null)?.[match[1]!];
  const name = match[2]!.replace(/~1/g, '/').replace(/~0/g, '~');
  const target = defs && typeof defs === 'object' ? (defs as Schema)[name] : undefined;
  return target === undefined ? 'unknown' : convert(target, { ...ctx, refs: [...ctx.refs, ref] });
}

/** OpenAPI's `nullable: true`, which some schema writers use instead of a `null` type. */
function withNull(type: string, s: Schema): string {
  return s.nullable === true && type !== 'unknown' ? `${group(type)} | null` : type;
}

function literal(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value);
  return 'unknown'; // an object or array literal: its exact shape is not worth spelling out
}

function union(types: string[]): string {
  const unique = [...new Set(types)];
  if (unique.length === 0) return 'never';
  if (unique.includes('unknown')) return 'unknown';
  return unique.length === 1 ? unique[0]! : unique.map(group).join(' | ');
}

/** Parenthesises a union or an intersection where it is an operand. */
function group(type: string): string {
  return /^[\w"'.[\]<>, -]+$/.test(type) && !/ [|&] /.test(type) ? type : `(${type})`;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function propertyName(key: string): string {
  return IDENTIFIER.test(key) ? key : JSON.stringify(key);
}

/** A JSDoc line from `description` (and `title`), or nothing. */
export function docComment(schema: unknown, indent: string): string {
  if (!schema || typeof schema !== 'object') return '';
  const s = schema as Schema;
  const text = [s.title, s.description].filter((t): t is string => typeof t === 'string' && t.trim() !== '').join(': ');
  if (!text) return '';
  // `*/` would end the comment early.
  const safe = text.replace(/\*\//g, '*\\/').replace(/\r?\n/g, ' ');
  return `${indent}/** ${safe} */\n`;
}
