/** Opens the local end of a data channel (§4) with the platform's reader/writer classes. */
import { ChannelReader } from '../channels/reader.js';
import { ChannelWriter } from '../channels/writer.js';
import type { StreamChannelRef } from '../channels/ref.js';
import type { Platform } from '../platform.js';

/** Optional dependencies a platform entry may override. */
export interface ClientDeps {
  ChannelReader?: new (base: string, ref: StreamChannelRef, options: { platform: Platform }) => unknown;
  ChannelWriter?: new (base: string, ref: StreamChannelRef, options: { platform: Platform }) => unknown;
}

export interface ChannelEnds {
  reader(ref: StreamChannelRef): ChannelReader;
  writer(ref: StreamChannelRef): ChannelWriter;
  /** The end a ref found in an inbound payload stands for, by its `direction`. */
  open(ref: StreamChannelRef): ChannelReader | ChannelWriter;
}

/** Channel URLs are built from the engine address (DESIGN.md "Channels"). */
export function channelEnds(platform: Platform, address: string, deps: ClientDeps): ChannelEnds {
  const options = { platform };
  const reader = (ref: StreamChannelRef) => new ((deps.ChannelReader ?? ChannelReader) as typeof ChannelReader)(address, ref, options);
  const writer = (ref: StreamChannelRef) => new ((deps.ChannelWriter ?? ChannelWriter) as typeof ChannelWriter)(address, ref, options);
  return { reader, writer, open: (ref) => (ref.direction === 'read' ? reader(ref) : writer(ref)) };
}
