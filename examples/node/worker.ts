// Node: `III_URL=ws://127.0.0.1:49134 npx tsx examples/node/worker.ts`
import { registerWorker, type ChannelWriter } from 'iii-isomorphic';

const iii = registerWorker(process.env.III_URL, { workerName: 'node-example' });

iii.registerFunction('node-example::shout', async (data: { text: string }) => ({ text: data.text.toUpperCase() }));

// A channel ref in the payload arrives as a live ChannelWriter with a WHATWG WritableStream.
iii.registerFunction('node-example::count', async (data: { out: ChannelWriter }) => {
  const writer = data.out.writable.getWriter();
  for (let i = 1; i <= 3; i++) await writer.write(new TextEncoder().encode(`${i}\n`));
  await writer.close();
});

await iii.ready(); // the engine has accepted the worker and applied its registrations

const { text } = await iii.trigger<{ text: string }, { text: string }>({ function_id: 'node-example::shout', payload: { text: 'hello' } });
console.log(text);

const channel = await iii.createChannel();
const counting = iii.trigger({ function_id: 'node-example::count', payload: { out: channel.writerRef } });
const lines = await new Response(channel.reader.readable).text();
await counting;
console.log(lines.trim().split('\n').join(','));

await iii.shutdown();
