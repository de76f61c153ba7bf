/**
 * Code loaded on first use (PRACTICES.md item 13, the size budget of the browser entry): the
 * build emits each dynamically imported module as a chunk beside the entry, so an app that never
 * uses a feature never downloads it.
 */

/**
 * Runs `use` on the module `load` imports, importing it once. Calls reach the module in the
 * order they were made: every one chains on the same promise.
 */
export function lazily<T>(load: () => Promise<T>): <R>(use: (loaded: T) => R | PromiseLike<R>) => Promise<R> {
  let loaded: Promise<T> | undefined;
  return (use) => (loaded ??= load()).then(use);
}
