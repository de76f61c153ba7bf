/**
 * createChannel and the materialisation of channel refs in inbound payloads (§4.6).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ChannelReader, ChannelWriter } from '../../platform/node/index.js';
import { cleanup, engine, registered, within, worker } from './helpers.js';

afterEach(cleanup);

describe('channels', () => {
  it('createChannel returns live ends and plain refs (engine::channels::create)', async () => {
    const e = await engine();
    const a = worker(e.url);
    const ch = await within(a.createChannel(8), 5000, 'createChannel');
    expect(ch.reader).toBeInstanceOf(ChannelReader);
    expect(ch.writer).toBeInstanceOf(ChannelWriter);
    expect(ch.readerRef).toMatchObject({ direction: 'read', channel_id: ch.writerRef.channel_id });
    const bytes = new Uint8Array([1, 2, 3, 250]);
    const w = ch.writer.writable.getWriter();
    await w.write(bytes);
    await w.close();
    expect(Array.from(await within(ch.reader.readAll(), 5000, 'readAll'))).toEqual([1, 2, 3, 250]);
  });

  it('channel refs at any depth in an inbound payload become live readers/writers before the handler runs', async () => {
    const e = await engine();
    const a = worker(e.url);
    const b = worker(e.url);
    // b's handler reads a stream, upper-cases it and writes it back on another channel.
    b.registerFunction('ch::upper', async (data: { nested: { input: ChannelReader }; list: [ChannelWriter] }) => {
      const input = data.nested.input;
      const output = data.list[0];
      expect(input).toBeInstanceOf(ChannelReader);
      expect(output).toBeInstanceOf(ChannelWriter);
      const text = new TextDecoder().decode(await input.readAll());
      const w = output.writable.getWriter();
      await w.write(new TextEncoder().encode(text.toUpperCase()));
      await w.close();
      return { length: text.length };
    });
    await registered(a, 'ch::upper');
    const request = await a.createChannel();
    const response = await a.createChannel();
    const call = a.trigger({
      function_id: 'ch::upper',
      payload: { nested: { input: request.readerRef }, list: [response.writerRef] },
    });
    const w = request.writer.writable.getWriter();
    await w.write(new TextEncoder().encode('hello '));
    await w.write(new TextEncoder().encode('channels'));
    await w.close();
    const echoed = new TextDecoder().decode(await within(response.reader.readAll(), 5000, 'response'));
    expect(echoed).toBe('HELLO CHANNELS');
    expect(await within(call, 5000)).toEqual({ length: 14 });
  });
});
