// How a built-in `engine::*` function is defined (protocol.md §5): typed accessors over its input,
// the `deserialization_error` rule for input that does not decode, and registration in `default`.
import { isObj, type Outcome } from '../frames.js';
import type { BuiltinHandler, CallContext, FunctionEntry } from '../functions.js';
import { DEFAULT_NS } from '../namespaces.js';
import type { BuiltinServices } from '../services.js';

export type Obj = Record<string, unknown>;

export const ok = (result?: unknown): Outcome => ({ ok: true, result });
export const fail = (code: string, message: string): Outcome => ({ ok: false, error: { code, message } });

class InputError extends Error {}

/** Typed accessors over a builtin's input; a mistyped field fails the whole input (§5). */
export class Input {
  constructor(private readonly o: Obj) {}
  /** Own keys only: `Object.prototype` names are never fields. */
  private value(k: string): unknown {
    const v = Object.hasOwn(this.o, k) ? this.o[k] : undefined;
    return v === null ? undefined : v;
  }
  str(k: string, required = false): string | undefined {
    const v = this.value(k);
    if (v === undefined) {
      if (required) throw new InputError(`missing field \`${k}\``);
      return undefined;
    }
    if (typeof v !== 'string') throw new InputError(`invalid type for \`${k}\`: expected a string`);
    return v;
  }
  bool(k: string): boolean | undefined {
    const v = this.value(k);
    if (v !== undefined && typeof v !== 'boolean') throw new InputError(`invalid type for \`${k}\`: expected a boolean`);
    return v as boolean | undefined;
  }
  uint(k: string): number | undefined {
    const v = this.value(k);
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new InputError(`invalid value for \`${k}\`: expected usize`);
    return v;
  }
  strList(k: string): string[] | undefined {
    const v = this.value(k);
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new InputError(`invalid type for \`${k}\`: expected a sequence of strings`);
    return v as string[];
  }
  obj(k: string): Obj | undefined {
    const v = this.value(k);
    if (v === undefined) return undefined;
    if (!isObj(v)) throw new InputError(`invalid type for \`${k}\`: expected a map`);
    return v;
  }
  any(k: string): unknown {
    return this.value(k);
  }
}

export type Handler = (input: Input, ctx: CallContext) => Outcome | Promise<Outcome>;

/** Wraps a handler with the `deserialization_error` rule for non-object / mistyped input. */
function decodingInput(id: string, h: Handler): BuiltinHandler {
  return (data, ctx) => {
    if (!isObj(data)) {
      const got = data === null ? 'null' : Array.isArray(data) ? 'a sequence' : typeof data;
      return fail('deserialization_error', `Failed to deserialize input for ${id}: invalid type: ${got}, expected a map`);
    }
    try {
      return h(new Input(data), ctx);
    } catch (e) {
      if (e instanceof InputError) return fail('deserialization_error', `Failed to deserialize input for ${id}: ${e.message}`);
      throw e;
    }
  };
}

/** Registers an in-process function of `worker` in `default` (builtins hold no lease, §8 item 17). */
export function defineBuiltin(services: BuiltinServices, worker: string, id: string, handler: Handler, description?: string): void {
  const e: FunctionEntry = { id, namespace: DEFAULT_NS, owner: undefined, builtin: decodingInput(id, handler), inProcessWorker: worker, registeredAt: Date.now() };
  if (description !== undefined) e.description = description;
  services.functions.set(e);
}

/** Bytewise order of ids (§8 item 39). */
export { byteCompare as cmp } from '../functions.js';
