/** Runs the bundled edge function in workerd through miniflare, on 127.0.0.1. */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { Miniflare } from 'miniflare';

export interface EdgeRuntime {
  url: string;
  close(): Promise<void>;
}

type Signal = 'SIGINT' | 'SIGTERM';
const SIGNALS: Signal[] = ['SIGINT', 'SIGTERM'];

/**
 * Miniflare installs SIGINT/SIGTERM handlers that kill workerd and `process.exit(130)` at once,
 * before the demo's own Ctrl-C handler can close the engine and the workers in order. The demo
 * owns its signals, so those handlers are dropped again; miniflare's `exit` hook stays, so
 * workerd never outlives the process.
 */
async function withoutSignalHandlers<T>(start: () => Promise<T>): Promise<T> {
  const before = new Map(SIGNALS.map((s) => [s, new Set(process.listeners(s))]));
  try {
    return await start();
  } finally {
    for (const signal of SIGNALS) {
      for (const listener of process.listeners(signal)) {
        if (!before.get(signal)!.has(listener)) process.off(signal, listener);
      }
    }
  }
}

/** Whether 127.0.0.1:port can be bound (workerd itself reports a taken port only as a crash dump). */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

export async function startEdge(options: { scriptPath: string; engineUrl: string; token: string; port?: number }): Promise<EdgeRuntime> {
  return withoutSignalHandlers(() => startMiniflare(options));
}

async function startMiniflare(options: { scriptPath: string; engineUrl: string; token: string; port?: number }): Promise<EdgeRuntime> {
  const start = (port: number) =>
    new Miniflare({
      modules: true,
      script: readFileSync(options.scriptPath, 'utf8'),
      scriptPath: options.scriptPath,
      compatibilityDate: '2025-01-01',
      host: '127.0.0.1',
      port,
      bindings: { III_URL: options.engineUrl, III_TOKEN: options.token },
    });
  let port = options.port ?? 0;
  if (port !== 0 && !(await portIsFree(port))) {
    console.log(`[edge] port ${port} is taken; using a free port`);
    port = 0;
  }
  let mf = start(port);
  let ready: URL;
  try {
    ready = await mf.ready;
  } catch (error) {
    await mf.dispose().catch(() => {});
    if (!port) throw error;
    // The preferred port is taken: any free one will do.
    mf = start(0);
    ready = await mf.ready;
  }
  let closing: Promise<void> | undefined;
  return {
    url: ready.href,
    close() {
      closing ??= mf.dispose();
      return closing;
    },
  };
}
