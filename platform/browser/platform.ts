/**
 * The browser `Platform`: the page's WebSocket, no custom headers (a browser throws
 * on an options object as the constructor's second argument, docs/runtimes.md
 * "Runtime facts"), so credentials travel in the URL query or in cookies (protocol.md §1.3).
 */
import type { Platform } from '../../src/platform.js';
import { webClock } from '../web/timers.js';
import {
  createWebSocketTransport,
  shortRandomHex,
  userAgent,
  webRandomUUID,
} from '../web/websocket-transport.js';

export function createBrowserPlatform(): Platform {
  return {
    name: 'browser',
    supportsHeaders: false,
    connect: createWebSocketTransport({
      runtime: 'browser',
      headers: false,
      fix: 'This browser (or web worker) has no WebSocket; pass a constructor with the `WebSocket` option of registerWorker().',
    }),
    ...webClock,
    randomUUID: webRandomUUID,
    // A page has no process environment; registerWorker() needs an explicit address.
    env: () => undefined,
    runtimeInfo: () => ({
      runtime: 'browser',
      os: userAgent() ?? 'browser',
      defaultWorkerName: () => `browser:${shortRandomHex(webRandomUUID)}`,
    }),
    onResume(callback) {
      // Coming back online or to the foreground is a hint to redial now instead of
      // waiting out the backoff; in a web worker there is no document.
      const g = globalThis as {
        addEventListener?: (t: string, l: () => void) => void;
        removeEventListener?: (t: string, l: () => void) => void;
        document?: {
          visibilityState?: string;
          addEventListener(t: string, l: () => void): void;
          removeEventListener(t: string, l: () => void): void;
        };
      };
      const onOnline = () => callback();
      const onVisibility = () => {
        if (g.document?.visibilityState === 'visible') callback();
      };
      g.addEventListener?.('online', onOnline);
      g.document?.addEventListener('visibilitychange', onVisibility);
      return () => {
        g.removeEventListener?.('online', onOnline);
        g.document?.removeEventListener('visibilitychange', onVisibility);
      };
    },
  };
}
