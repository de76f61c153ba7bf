// Page (b), a worker: also registers one function, which a backend then calls.
import { registerWorker } from 'iii-isomorphic';

const out = document.getElementById('out');
const iii = registerWorker(new URLSearchParams(location.search).get('engine'), { workerName: 'size-worker' });
const id = `size::page::${crypto.randomUUID()}::shout`;
iii.registerFunction(id, (data) => ({ text: data.text.toUpperCase() }));
iii
  .ready()
  .then(() => iii.trigger({ function_id: 'size::call-page', payload: { function_id: id, text: 'hello' } }))
  .then(
    (result) => (out.textContent = `done: ${result.text}`),
    (error) => (out.textContent = `error: ${error.message}`),
  );
