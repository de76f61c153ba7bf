// Deno: `III_URL=ws://127.0.0.1:49134 deno run --allow-net --allow-env examples/deno/worker.ts`
// The address comes from III_URL; upgrade headers work in Deno (`headers: {...}`).
import { registerWorker, IIIInvocationError } from 'iii-isomorphic';

const iii = registerWorker(undefined, { workerName: 'deno-example' });

iii.registerFunction('deno-example::add', (data: { a: number; b: number }) => ({ sum: data.a + data.b }));

await iii.ready();
const { sum } = await iii.trigger<{ a: number; b: number }, { sum: number }>({ function_id: 'deno-example::add', payload: { a: 2, b: 3 } });
console.log(`sum ${sum}`);

try {
  await iii.trigger({ function_id: 'deno-example::missing', payload: {}, timeoutMs: 2000 });
} catch (error) {
  if (error instanceof IIIInvocationError) console.log(`error ${error.code}`);
}

await iii.shutdown();
