/**
 * Code loaded on first use (PRACTICES.md item 13, the size budget of the browser entry): the
 * build emits each dynamically imported module as a chunk beside the entry, so an app that never
 * uses a feature never downloads it.
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
