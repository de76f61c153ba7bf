/**
 * Input of `dist/index.d.ts`, the portable declarations: what every entry exports, without any
 * runtime's platform factory. TypeScript reads it where no runtime condition picks an entry's
 * own declarations (`moduleResolution: "bundler"` without `customConditions`), so that nothing
 * it declares fails to load in some runtime. Each entry's own declarations
 * (`dist/<entry>/index.d.ts`) add its `create*Platform` (package.json `exports`).
 */
export * from '../../src/public.js';
export { ChannelReader, ChannelWriter, registerWorker } from '../browser/index.js';
