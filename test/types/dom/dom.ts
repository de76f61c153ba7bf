// A browser-style project (bundler resolution, DOM lib, no @types/node, no runtime condition):
// the portable declarations, which declare no platform factory at all.
import { registerWorker } from 'iii-isomorphic';
// @ts-expect-error no factory in the portable declarations: each loads in one runtime only
import { createBrowserPlatform } from 'iii-isomorphic';
// @ts-expect-error idem
import { createNodePlatform } from 'iii-isomorphic';

void createBrowserPlatform;
void createNodePlatform;

export async function page(): Promise<void> {
  await using iii = registerWorker(`ws://127.0.0.1:1/?token=${encodeURIComponent('t')}`);
  const channel = await iii.createChannel(16);
  const lines = channel.reader.readable.pipeThrough(new TextDecoderStream());
  await lines.pipeTo(new WritableStream<string>({ write: (text) => console.log(text) }));
  await new Blob(['bytes']).stream().pipeTo(channel.writer.writable);
  const text: string = await new Response(channel.reader.readable).text();
  void text;
}
