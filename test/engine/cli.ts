// CLI: `npm run engine -- --port 49134 [--config file.json] [--log]`. Prints one ready line per
// listener (the first one exactly `iii reference engine listening on ws://127.0.0.1:PORT`)
// and stops cleanly on SIGINT / SIGTERM with exit code 0.
import { readFileSync } from 'node:fs';
import { startEngine, type EngineOptions } from './index.js';

function parseArgs(argv: string[]): { port?: number; config?: string; log?: boolean } {
  const out: { port?: number; config?: string; log?: boolean } = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === '--port') {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`invalid --port`);
      out.port = n;
    } else if (flag === '--config') out.config = value();
    else if (flag === '--log') out.log = true;
    else if (flag === '--') continue;
    else throw new Error(`unknown argument ${a}`);
  }
  return out;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  let options: EngineOptions = {};
  if (args.config !== undefined) options = JSON.parse(readFileSync(args.config, 'utf8')) as EngineOptions;
  // --port (default 49134, like the real engine) sets the first listener's port.
  const port = args.port ?? (options.listeners?.[0]?.port ?? options.port ?? 49134);
  if (options.listeners && options.listeners.length > 0) options.listeners[0] = { ...options.listeners[0], port };
  else options.port = port;
  if (args.log) {
    // Debug aid: engine log lines on stderr (stdout stays the ready line(s) only).
    options.log = (level, message, data) =>
      process.stderr.write(`[engine ${level}] ${message}${data === undefined ? '' : ` ${JSON.stringify(data)}`}\n`);
  }
  // This process is the engine's own: give memory back after bursts (memory.ts).
  options.releaseMemoryWhenIdle ??= true;
  const engine = await startEngine(options);
  for (const l of engine.listeners) process.stdout.write(`iii reference engine listening on ${l.url}\n`);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    engine.close().then(
      () => process.exit(0),
      () => process.exit(0),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`iii reference engine failed to start: ${(e as Error).message}\n`);
  process.exit(1);
});
