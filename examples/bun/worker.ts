// Bun: `III_URL=ws://127.0.0.1:49134 bun examples/bun/worker.ts`
import { registerWorker, TriggerAction } from 'iii-isomorphic';

const iii = registerWorker(process.env.III_URL, { workerName: 'bun-example' });

let seen = 0;
iii.registerFunction('bun-example::record', () => {
  seen += 1;
});
iii.registerFunction('bun-example::seen', () => ({ seen }));

await iii.ready();
// Fire and forget: resolves at once with undefined, the engine never answers (protocol.md §3.6).
await iii.trigger({ function_id: 'bun-example::record', payload: {}, action: TriggerAction.Void() });
// The void call races nothing: ask until the handler has run (bounded).
let result = { seen: 0 };
for (let attempt = 0; attempt < 50 && result.seen === 0; attempt++) {
  result = await iii.trigger<unknown, { seen: number }>({ function_id: 'bun-example::seen', payload: {} });
  if (result.seen === 0) await new Promise((resolve) => setTimeout(resolve, 20));
}
console.log(`seen ${result.seen}`);

await iii.shutdown();
