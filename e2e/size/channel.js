// Page (c), a worker that reads a channel: registers one function, which a backend calls, then
// streams lines from a backend into the page through a data channel.
import { registerWorker } from 'iii-isomorphic';

const out = document.getElementById('out');
const iii = registerWorker(new URLSearchParams(location.search).get('engine'), { workerName: 'size-channel' });
const id = `size::page::${crypto.randomUUID()}::shout`;
iii.registerFunction(id, (data) => ({ text: data.text.toUpperCase() }));

async function main() {
  await iii.ready();
  const called = await iii.trigger({ function_id: 'size::call-page', payload: { function_id: id, text: 'hello' } });
  const channel = await iii.createChannel();
  const streaming = iii.trigger({ function_id: 'size::stream', payload: { out: channel.writerRef, lines: 3 } });
  const lines = document.createElement('pre');
  for await (const text of channel.reader.readable.pipeThrough(new TextDecoderStream())) lines.append(text);
  await streaming;
  document.body.append(lines);
  out.textContent = `done: ${called.text} ${lines.textContent.trim().split('\n').join(',')}`;
}
main().catch((error) => (out.textContent = `error: ${error.message}`));
