/** Inbound frames: decoded and validated once at the edge (§3.14), then routed by type. */
import { decodeFrame, type InboundFrame } from '../protocol/index.js';
import type { ClientContext } from './context.js';

/** One handler per inbound frame type: the compiler checks that none is missing. */
export type FrameRoutes = { [K in InboundFrame['type']]: (frame: Extract<InboundFrame, { type: K }>) => void };

/** Returns the connection's `onFrame`: bad frames become `'protocol-error'`, unknown types are ignored. */
export function frameHandler(ctx: Pick<ClientContext, 'diag' | 'events' | 'report'>, routes: FrameRoutes): (data: string | Uint8Array) => void {
  return (data) => {
    const decoded = decodeFrame(data);
    if (decoded.kind === 'frame') {
      try {
        (routes[decoded.frame.type] as (frame: InboundFrame) => void)(decoded.frame);
      } catch (err) {
        // A bug of ours or a user callback: report, never crash the worker.
        ctx.report(err);
      }
    } else if (decoded.kind === 'invalid') {
      const text = typeof data === 'string' ? data : `<${data.byteLength} bytes>`;
      ctx.diag.warn(`dropped a frame: ${decoded.message}`);
      ctx.events.emit('protocol-error', { message: decoded.message, frame: text.slice(0, 500) });
    }
  };
}
