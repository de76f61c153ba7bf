// The reference engine in a child process of its own, so its CPU time per round can be
// read apart from the clients' (the engine's own cost, reported beside every figure).
import { startEngine } from '../engine/index.js';
import { gcNow, memSample, type HostRequest } from './common.js';
import { installSplit, readSplit, resetSplit } from './split.js';

async function main(): Promise<void> {
  if (process.env.BENCH_SPLIT === '1') installSplit();
  const engine = await startEngine({ host: '127.0.0.1', port: 0, log: () => undefined });
  process.send?.({ ready: true, pid: process.pid, detail: engine.url });
  process.on('message', async ({ id, req }: { id: number; req: HostRequest }) => {
    if (req.op === 'cpu') process.send?.({ id, ok: true, value: process.cpuUsage() });
    else if (req.op === 'splitReset') process.send?.({ id, ok: true, value: resetSplit() ?? null });
    else if (req.op === 'split') process.send?.({ id, ok: true, value: readSplit() });
    else if (req.op === 'mem') {
      gcNow();
      process.send?.({ id, ok: true, value: memSample() });
    } else if (req.op === 'stop') {
      await Promise.race([engine.close(), new Promise((r) => setTimeout(r, 3000))]);
      process.send?.({ id, ok: true, value: null });
      setTimeout(() => process.exit(0), 50);
    } else process.send?.({ id, ok: false, error: `engine host: unknown op ${req.op}` });
  });
  process.on('disconnect', () => {
    void engine.close().finally(() => process.exit(0));
  });
}

main().catch((e: unknown) => {
  process.send?.({ ready: false, error: String((e as Error)?.stack ?? e) });
});
