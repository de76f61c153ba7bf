/**
 * `npm run demo`: the reference engine (or `III_URL`), the Node backend worker, the edge
 * function in workerd and the page's web server, all on 127.0.0.1. Ctrl-C stops everything.
 *
 * Environment:
 *   DEMO_PORT          web server port (default 8080; a free port when taken; 0 = any)
 *   DEMO_ENGINE_PORT   the embedded engine's trusted listener (default 49134, free port when taken)
 *   DEMO_RBAC_PORT     the embedded engine's RBAC listener (default 49135, free port when taken)
 *   DEMO_EDGE_PORT     the edge function (default 8787, free port when taken)
 *   DEMO_TOKEN         the browser's token (default demo-token)
 *   III_URL            use this engine (trusted listener) instead of the embedded one;
 *   III_RBAC_URL       ... and this RBAC listener for the page and the edge function
 *   DEMO_AUTH_FUNCTION_ID  the id that RBAC listener's `rbac.auth_function_id` names, served by
 *                      the Node worker (default demo::auth, what the embedded engine uses)
 */
import { randomUUID } from 'node:crypto';
import { buildDemo, publicDir } from './build.js';
import { startEdge, type EdgeRuntime } from './edge/run.js';
import { startDemoEngine, type DemoEngine } from './engine.js';
import { EXPOSED_FUNCTIONS, startNodeWorker, type NodeWorker } from './node-worker.js';
import { startServer, type DemoServer } from './server.js';

const STEP_TIMEOUT_MS = 20_000;
const SHUTDOWN_TIMEOUT_MS = 8_000;

const log = (line: string) => console.log(line);

function envPort(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`${name}=${raw} is not a port number`);
  return port;
}

function bounded<T>(what: string, promise: Promise<T>, ms = STEP_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000}s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function startEngineWithFallback(): Promise<DemoEngine> {
  const trustedPort = envPort('DEMO_ENGINE_PORT', 49134);
  const rbacPort = envPort('DEMO_RBAC_PORT', 49135);
  try {
    return await startDemoEngine({ trustedPort, rbacPort, log });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    log(`[engine] port ${trustedPort} or ${rbacPort} is taken; using free ports`);
    return startDemoEngine({ trustedPort: 0, rbacPort: 0, log });
  }
}

async function main(): Promise<void> {
  const tokens = { browser: process.env.DEMO_TOKEN || 'demo-token', edge: `edge-${randomUUID()}` };
  let engine: DemoEngine | undefined;
  let worker: NodeWorker | undefined;
  let edge: EdgeRuntime | undefined;
  let server: DemoServer | undefined;

  let stopping: Promise<void> | undefined;
  const stop = (code: number) => {
    stopping ??= (async () => {
      log('\n[demo] stopping…');
      const force = setTimeout(() => {
        log('[demo] shutdown took too long; exiting anyway');
        process.exit(code || 1);
      }, SHUTDOWN_TIMEOUT_MS);
      force.unref();
      await server?.close().catch(() => {});
      await worker?.stop().catch(() => {});
      await edge?.close().catch(() => {});
      await engine?.close().catch(() => {});
      log('[demo] stopped');
      process.exit(code);
    })();
    return stopping;
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  try {
    const built = await buildDemo({ log });
    engine = await bounded('starting the engine', startEngineWithFallback());
    worker = startNodeWorker({ url: engine.trustedUrl, tokens, log, authFunctionId: process.env.DEMO_AUTH_FUNCTION_ID || undefined });
    await bounded('the Node worker connecting', worker.ready()).catch((error) =>
      log(`[demo] warning: ${(error as Error).message}`),
    );
    const e = engine;
    const w = worker;
    // Without workerd the rest of the demo still works; the page then says so.
    edge = await bounded(
      'starting workerd',
      startEdge({ scriptPath: built.edge, engineUrl: e.rbacUrl, token: tokens.edge, port: envPort('DEMO_EDGE_PORT', 8787) }),
      60_000,
    ).catch((error) => {
      log(`[edge] warning: the edge function did not start: ${(error as Error).message}`);
      return undefined;
    });
    const edgeUrl = edge?.url ?? null;
    server = await startServer({
      port: envPort('DEMO_PORT', 8080),
      publicDir,
      log,
      hooks: {
        config: () => ({
          engineUrl: e.rbacUrl,
          token: tokens.browser,
          edgeUrl,
          canRestartEngine: e.embedded,
          exposedFunctions: EXPOSED_FUNCTIONS,
        }),
        restartEngine: () => e.restart(),
        toast: (message) => w.toast(message, 'info'),
        status: () => ({ engine: e.running ? 'running' : 'down', nodeWorker: w.connectionState }),
      },
    });

    log('');
    log('iii-isomorphic demo is running');
    log(`  page:    ${server.url}`);
    log(`  edge:    ${edgeUrl ? `${edgeUrl}?name=you` : '(not running)'}`);
    log(`  engine:  ${engine.trustedUrl} (trusted: the Node worker)`);
    log(`           ${engine.rbacUrl}/?token=${tokens.browser} (RBAC: browsers; edge uses a bearer token)`);
    log('Open the page in a browser. Ctrl-C stops everything.');
  } catch (error) {
    log(`[demo] failed to start: ${(error as Error).stack ?? String(error)}`);
    await stop(1);
  }
}

void main();
