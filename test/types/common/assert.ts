/** Compile-time assertions: `check<Equal<A, B>>()` fails to compile unless A and B are the same type. */
export type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
export function check<T extends true>(): T | undefined {
  return undefined;
}
