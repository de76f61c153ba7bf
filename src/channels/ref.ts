/** A channel end as it travels in payloads (protocol.md §4.1, §4.6). */
export interface StreamChannelRef {
  channel_id: string;
  access_key: string;
  direction: 'read' | 'write';
}

/** The SDK-side convention of §4.6: any object with these three fields is a ref. */
export function isChannelRef(value: unknown): value is StreamChannelRef {
  if (value === null || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.channel_id === 'string' &&
    typeof v.access_key === 'string' &&
    (v.direction === 'read' || v.direction === 'write')
  );
}
