// Starts the demo once for the whole Playwright run, exactly as `npm run demo` does (without npm in
// between, so that the Ctrl-C spec signals the demo itself), on free ports. The returned function
// is the global teardown: it kills whatever is left of the demo's process group.
//
// The specs run in a worker process, so what they need travels in environment variables (workers
// inherit them) and files under e2e/artifacts/:
//   DEMO_E2E_PAGE_URL, DEMO_E2E_EDGE_URL   the URLs the demo printed
//   DEMO_E2E_PID                           the demo's pid, also its process group id (detached)
//   demo.log                               everything the demo printed, appended as it arrives
//   demo-exit.json                         {code, signal} once the demo has exited
//   demo.pid                               for e2e/run-demo.mjs, to kill the group if Playwright hangs
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { AUTH_FUNCTION_ID, externalEngine } from '../test/external-engine.js';
import { artifactPath, demoEnv, root } from './demo-paths.js';

const START_TIMEOUT_MS = 120_000;

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // The group is gone already.
  }
}

/**
 * The engine the demo uses: its embedded reference engine, or the external engine of
 * III_TEST_ENGINE_URL (its RBAC listener calls AUTH_FUNCTION_ID, which the demo's Node worker then serves).
 */
function demoEngineEnv(): Record<string, string> {
  if (!externalEngine) return { III_URL: '' };
  if (!externalEngine.rbacUrl) throw new Error('the demo needs the external engine\'s RBAC listener: set III_TEST_ENGINE_RBAC_URL');
  return { III_URL: externalEngine.url, III_RBAC_URL: externalEngine.rbacUrl, DEMO_AUTH_FUNCTION_ID: AUTH_FUNCTION_ID };
}

export default async function globalSetup(): Promise<() => Promise<void>> {
  mkdirSync(artifactPath(), { recursive: true });
  const stale = readdirSync(artifactPath()).filter((f) => /^demo-.*\.png$/.test(f));
  for (const file of [...stale, 'demo.log', 'demo-exit.json', 'demo.pid', 'page-errors.log']) rmSync(artifactPath(file), { force: true });
  writeFileSync(artifactPath('demo.log'), '');
  writeFileSync(artifactPath('page-errors.log'), '');

  const demo = spawn(process.execPath, ['--import', 'tsx', 'demo/main.ts'], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DEMO_PORT: '0', DEMO_ENGINE_PORT: '0', DEMO_RBAC_PORT: '0', DEMO_EDGE_PORT: '0', ...demoEngineEnv() },
  });
  const pid = demo.pid;
  if (pid !== undefined) writeFileSync(artifactPath('demo.pid'), String(pid));
  let output = '';
  const onChunk = (chunk: string) => {
    output += chunk;
    appendFileSync(artifactPath('demo.log'), chunk);
  };
  demo.stdout.setEncoding('utf8').on('data', onChunk);
  demo.stderr.setEncoding('utf8').on('data', onChunk);
  demo.on('exit', (code, signal) => {
    writeFileSync(artifactPath('demo-exit.json'), JSON.stringify({ code, signal }));
  });

  const teardown = async () => {
    // Also after the demo has exited: workerd could outlive it, and nothing may be left behind.
    killGroup(pid);
  };

  try {
    const urls = await new Promise<{ pageUrl: string; edgeUrl: string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the demo printed no page URL within ${START_TIMEOUT_MS / 1000}s`)), START_TIMEOUT_MS);
      const onData = () => {
        const pageUrl = /page:\s+(http\S+)/.exec(output)?.[1];
        // The edge line comes before the page line; "(not running)" fails the edge spec later.
        const edgeUrl = /edge:\s+(http\S+)/.exec(output)?.[1] ?? 'http://127.0.0.1:9/edge-not-running';
        if (pageUrl && /edge:/.test(output)) {
          clearTimeout(timer);
          demo.stdout.off('data', onData);
          resolve({ pageUrl, edgeUrl });
        }
      };
      demo.stdout.on('data', onData);
      demo.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the demo exited early (code ${code}): ${output.trim().split('\n').slice(-3).join(' | ')}`));
      });
      demo.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    process.env[demoEnv.pageUrl] = urls.pageUrl;
    process.env[demoEnv.edgeUrl] = urls.edgeUrl;
    process.env[demoEnv.pid] = String(pid);
  } catch (error) {
    await teardown();
    throw error;
  }
  return teardown;
}
