// Node (nodenext resolution, @types/node, no DOM lib, no esnext.disposable): the node entry's
// declarations, its own factory only, and streams that compose with Node's web streams.
import { createNodePlatform, registerWorker } from 'iii-isomorphic';
// @ts-expect-error the node entry does not export the browser's factory (it would fail at load)
import { createBrowserPlatform } from 'iii-isomorphic';
import { TextDecoderStream } from 'node:stream/web';

void createNodePlatform;
void createBrowserPlatform;

export async function read(): Promise<string> {
  const iii = registerWorker('ws://127.0.0.1:1');
  const channel = await iii.createChannel();
  let text = '';
  for await (const part of channel.reader.readable.pipeThrough(new TextDecoderStream())) text += part;
  await iii[Symbol.asyncDispose]();
  return text;
}
