/**
 * Input of the one bundled declaration file, `dist/index.d.ts`, shared by every entry
 * (the `types` export condition comes first). Every entry exports the same surface;
 * the only difference is the platform factory: each `create*Platform` is exported by its
 * own runtime's entry (`createNodePlatform` from the node entry, and so on).
 */
export * from '../node/index.js';
export { createBrowserPlatform } from '../browser/platform.js';
export { createDenoPlatform } from '../deno/platform.js';
export { createBunPlatform } from '../bun/platform.js';
export { createWorkersPlatform, type WorkersPlatformOptions } from '../workers/platform.js';
