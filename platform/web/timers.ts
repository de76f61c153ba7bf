/** Timer and clock members shared by the web-style platforms (all bound late, at call time). */
import type { Platform } from '../../src/platform.js';

export const webClock: Pick<Platform, 'now' | 'setTimeout' | 'clearTimeout'> = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
