import { describe, expect, it } from 'vitest';
import { Outbox } from '../../src/session/outbox.js';

describe('outbox (queued frames while disconnected)', () => {
  it('drains in order, skips dead entries and reports sent ones', () => {
    const box = new Outbox();
    const sent: string[] = [];
    const acked: string[] = [];
    box.queue('a', { onSent: () => acked.push('a') });
    box.queue('b', { isLive: () => false });
    box.queue('c', { isLive: () => true, onSent: () => acked.push('c') });
    box.drain((f) => (sent.push(f), true));
    expect(sent).toEqual(['a', 'c']);
    expect(acked).toEqual(['a', 'c']);
    expect(box.size).toBe(0);
  });

  it('keeps the rest, in order, when the socket goes away mid-drain', () => {
    const box = new Outbox();
    for (const f of ['1', '2', '3']) box.queue(f);
    const sent: string[] = [];
    box.drain((f) => (f === '2' ? false : (sent.push(f), true)));
    expect(sent).toEqual(['1']);
    box.drain((f) => (sent.push(f), true));
    expect(sent).toEqual(['1', '2', '3']);
  });

  it('stays bounded during a long outage by pruning expired entries', () => {
    const box = new Outbox();
    let alive = true;
    for (let i = 0; i < 1000; i++) box.queue(`old${i}`, { isLive: () => alive });
    alive = false;
    for (let i = 0; i < 100; i++) box.queue(`new${i}`, { isLive: () => true });
    expect(box.size).toBeLessThan(200);
  });
});
