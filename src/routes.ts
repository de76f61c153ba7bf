/**
 * Inbound frames: decoded and checked once at the edge (§3.14, protocol/decode.ts), then handed
 * to the route of their type. The facade (client.ts) gives the routes; the compiler checks that
 * every inbound type has one.
 */
import type { Emitter, IIIEvents } from './events.js';
import type { Logger } from './logger.js';
import { decodeFrame, type InboundFrame } from './protocol/index.js';

/** One handler per inbound frame type. */
export type FrameRoutes = { [K in InboundFrame['type']]: (frame: Extract<InboundFrame, { type: K }>) => void };

/** The session's `onFrame`: bad frames become `'protocol-error'`, unknown types are ignored. */
export function routeFrames(
  diag: Logger,
  events: Emitter<IIIEvents>,
  report: (err: unknown) => void,
  routes: FrameRoutes,
): (data: string | Uint8Array) => void {
  return (data) => {
    const decoded = decodeFrame(data);
    if (decoded.kind === 'frame') {
      try {
        (routes[decoded.frame.type] as (frame: InboundFrame) => void)(decoded.frame);
      } catch (err) {
        // A bug of ours or a user callback: report, never crash the worker.
        report(err);
      }
    } else if (decoded.kind === 'invalid') {
      const text = typeof data === 'string' ? data : `<${data.byteLength} bytes>`;
      diag.warn(`dropped a frame: ${decoded.message}`);
      events.emit('protocol-error', { message: decoded.message, frame: text.slice(0, 500) });
    }
  };
}
