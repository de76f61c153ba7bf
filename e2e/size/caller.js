// Page (a), a caller: joins the engine as a worker and triggers one function.
import { registerWorker } from 'iii-isomorphic';

const out = document.getElementById('out');
const iii = registerWorker(new URLSearchParams(location.search).get('engine'), { workerName: 'size-caller' });
iii.trigger({ function_id: 'size::echo', payload: { text: 'hello' } }).then(
  (result) => (out.textContent = `done: ${result.text}`),
  (error) => (out.textContent = `error: ${error.message}`),
);
