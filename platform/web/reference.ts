/**
 * Input of the API reference (typedoc, `npm run docs`): the portable surface and every
 * runtime's platform factory. Not a package entry: each factory is exported by its own entry.
 */
export * from './types.js';
export { createNodePlatform } from '../node/platform.js';
export { createBrowserPlatform } from '../browser/platform.js';
export { createDenoPlatform } from '../deno/platform.js';
export { createBunPlatform } from '../bun/platform.js';
export { createWorkersPlatform, type WorkersPlatformOptions } from '../workers/platform.js';
