/**
 * Code loaded on first use, only where a page may never need it: the channel
 * machinery (channels/reader-core.ts, writer-core.ts), the valibot → JSON Schema converter
 * (registration/formats.ts), the listings' decoders (info.ts) and the code that takes bindings
 * delivered to a trigger-type provider (registration/deliveries.ts). Bundlers emit each dynamically imported module as a chunk of its
 * own, which a page fetches the first time it is used (`npm run size` measures what pages fetch).
 */

/**
 * Runs `use` on the module `load` imports, importing it once. Calls reach the module in the
 * order they were made: every one chains on the same promise. A failed import (a page that went
 * offline) fails the calls waiting on it and is tried again by the next call, instead of failing
 * every later call until the page reloads.
 */
export function lazily<T>(load: () => Promise<T>): <R>(use: (loaded: T) => R | PromiseLike<R>) => Promise<R> {
  let loaded: Promise<T> | undefined;
  return (use) =>
    (loaded ??= load().catch((error: unknown) => {
      loaded = undefined;
      throw error;
    })).then(use);
}
