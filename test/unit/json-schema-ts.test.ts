/**
 * The JSON Schema → TypeScript converter of `iii-isomorphic types` (cli/json-schema-ts.ts): what
 * each construct becomes, and `unknown` wherever a schema says nothing exact.
 */
import * as v from 'valibot';
import { toJsonSchema } from '@valibot/to-json-schema';
import { describe, expect, it } from 'vitest';
import { schemaToType } from '../../cli/json-schema-ts.js';
import { RegisterFunctionFormat as F } from '../../src/schema.js';

const flat = (schema: unknown) => schemaToType(schema).replace(/\s+/g, ' ');

describe('schemaToType', () => {
  it('scalars, literals, enums and nullables', () => {
    expect(schemaToType({ type: 'string' })).toBe('string');
    expect(schemaToType({ type: 'integer' })).toBe('number');
    expect(schemaToType({ type: 'boolean' })).toBe('boolean');
    expect(schemaToType({ type: 'null' })).toBe('null');
    expect(schemaToType({ type: ['string', 'null'] })).toBe('string | null');
    expect(schemaToType({ const: 'on' })).toBe('"on"');
    expect(schemaToType({ enum: ['a', 2, true, null] })).toBe('"a" | 2 | true | null');
    expect(schemaToType({ type: 'string', nullable: true })).toBe('string | null');
  });

  it('nothing exact is unknown, never narrower than the schema', () => {
    expect(schemaToType(undefined)).toBe('unknown');
    expect(schemaToType(true)).toBe('unknown');
    expect(schemaToType({})).toBe('unknown');
    expect(schemaToType({ description: 'anything' })).toBe('unknown');
    expect(schemaToType({ type: 'date-time' })).toBe('unknown');
    expect(schemaToType({ anyOf: [{ type: 'string' }, {}] })).toBe('unknown');
    expect(schemaToType({ const: { a: 1 } })).toBe('unknown');
    expect(schemaToType('not a schema')).toBe('unknown');
    expect(schemaToType(false)).toBe('never');
  });

  it('objects: required and optional fields, quoted keys, doc comments, index signatures', () => {
    const schema = {
      type: 'object',
      properties: { a: { type: 'number', description: 'first' }, 'b-c': { type: 'string' }, '*/': { type: 'boolean', title: 'x */ y' } },
      required: ['a'],
    };
    expect(schemaToType(schema)).toBe(
      '{\n  /** first */\n  a: number;\n  "b-c"?: string;\n  /** x *\\/ y */\n  "*/"?: boolean;\n}',
    );
    expect(flat({ type: 'object' })).toBe('{ [key: string]: unknown }');
    expect(flat({ type: 'object', additionalProperties: { type: 'number' } })).toBe('{ [key: string]: number }');
    expect(flat({ type: 'object', additionalProperties: false })).toBe('Record<string, never>');
    expect(flat({ type: 'object', properties: { a: { type: 'string' } }, required: ['a'], additionalProperties: true })).toBe(
      '{ a: string; [key: string]: unknown; }',
    );
  });

  it('arrays and tuples (draft-07 items arrays and 2020-12 prefixItems)', () => {
    expect(schemaToType({ type: 'array', items: { type: 'string' } })).toBe('string[]');
    expect(schemaToType({ type: 'array', items: { type: ['string', 'number'] } })).toBe('(string | number)[]');
    expect(schemaToType({ type: 'array' })).toBe('unknown[]');
    expect(schemaToType({ type: 'array', prefixItems: [{ type: 'string' }, { type: 'number' }], items: false })).toBe('[string, number]');
    expect(schemaToType({ type: 'array', items: [{ type: 'string' }], additionalItems: { type: 'boolean' } })).toBe('[string, ...boolean[]]');
  });

  it('anyOf / oneOf are unions, allOf an intersection', () => {
    expect(schemaToType({ oneOf: [{ type: 'string' }, { type: 'number' }] })).toBe('string | number');
    expect(schemaToType({ type: 'object', required: ['a'], properties: { a: { type: 'string' } }, anyOf: [{ required: ['a'] }] })).toBe('{\n  a: string;\n}');
    expect(flat({ allOf: [{ type: 'object', properties: { a: { type: 'string' } }, required: ['a'] }, { type: 'object', properties: { b: { type: 'number' } } }] })).toBe(
      '({ a: string; }) & ({ b?: number; })',
    );
  });

  it('local $refs are inlined; a recursive one stops at unknown', () => {
    const tree = { $ref: '#/$defs/node', $defs: { node: { type: 'object', properties: { children: { type: 'array', items: { $ref: '#/$defs/node' } } } } } };
    expect(flat(tree)).toBe('{ children?: unknown[]; }');
    expect(schemaToType({ $ref: '#/definitions/missing', definitions: {} })).toBe('unknown');
    expect(schemaToType({ $ref: 'https://example.com/schema.json' })).toBe('unknown');
  });

  it('a hostile depth ends in unknown instead of a stack overflow', () => {
    let deep: Record<string, unknown> = { type: 'string' };
    for (let i = 0; i < 10_000; i++) deep = { type: 'array', items: deep };
    expect(schemaToType(deep)).toMatch(/^unknown(\[\])+$/);
  });

  it("the seed's RegisterFunctionFormat builders and valibot's toJsonSchema", () => {
    expect(flat(F.object({ a: F.number(), tags: F.array(F.string()), meta: F.map(F.integer()) }, { required: ['a'] }))).toBe(
      '{ a: number; tags?: string[]; meta?: { [key: string]: number }; }',
    );
    expect(flat({ type: 'map', items: { type: 'string' } })).toBe('{ [key: string]: string }');
    const schema = toJsonSchema(v.object({ id: v.string(), kind: v.picklist(['a', 'b']), n: v.optional(v.number()), at: v.nullable(v.string()) }));
    expect(flat(schema)).toBe('{ id: string; kind: "a" | "b"; n?: number; at: string | null; }');
  });
});
